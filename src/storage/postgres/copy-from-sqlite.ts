import { existsSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { createSqliteStore } from '../sqlite/sqlite-store.js';
import { createPostgresPool, createPostgresStore } from './postgres-store.js';

export interface CopiedTable {
  table: string;
  rows: number;
}

/** Rows per INSERT: PostgreSQL takes at most 65535 parameters, and no table has 100 columns. */
const BATCH_ROWS = 500;

export class CopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyError';
  }
}

/**
 * The application's tables in an order where each comes after the tables its foreign keys name.
 * Read from the SQLite file rather than listed by hand, so that a table a later migration adds is
 * copied too; Kysely's own bookkeeping tables are left to each side's migrator.
 */
function tablesInDependencyOrder(sqlite: SqliteDatabase.Database): string[] {
  const names = (
    sqlite
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name",
      )
      .all() as { name: string }[]
  ).map((row) => row.name);
  const dependsOn = new Map(
    names.map((name) => [
      name,
      (sqlite.pragma(`foreign_key_list("${name}")`) as { table: string }[])
        .map((fk) => fk.table)
        .filter((table) => table !== name && names.includes(table)),
    ]),
  );
  const ordered: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (ordered.includes(name) || path.includes(name)) return;
    for (const dependency of dependsOn.get(name) ?? []) visit(dependency, [...path, name]);
    ordered.push(name);
  };
  for (const name of names) visit(name, []);
  return ordered;
}

/**
 * `multientity copy-sqlite-to-postgres`: every row of a SQLite database into an empty PostgreSQL
 * database, in one PostgreSQL transaction (all of it lands, or none). Both schemas are first brought
 * up to date by the same migrations, so the tables and columns match one for one.
 */
export async function copySqliteToPostgres(options: { from: string; to: string }): Promise<CopiedTable[]> {
  if (options.from === ':memory:' || !existsSync(options.from)) {
    throw new CopyError(`no SQLite database at ${options.from}`);
  }
  await (await createSqliteStore({ path: options.from })).close();
  await (await createPostgresStore({ url: options.to, poolSize: 1 })).close();

  const sqlite = new SqliteDatabase(options.from, { readonly: true, fileMustExist: true });
  const target = new Kysely<Record<string, Record<string, unknown>>>({
    dialect: new PostgresDialect({ pool: createPostgresPool(options.to, 1) }),
  });
  try {
    const tables = tablesInDependencyOrder(sqlite);
    for (const table of tables) {
      const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(
        target,
      );
      if (Number(rows[0]?.n) > 0) {
        throw new CopyError(
          `the PostgreSQL database is not empty (table ${table} has rows): copy into a new database`,
        );
      }
    }
    return await target.transaction().execute(async (trx) => {
      const copied: CopiedTable[] = [];
      for (const table of tables) {
        let count = 0;
        let batch: Record<string, unknown>[] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          await trx.insertInto(table).values(batch).execute();
          count += batch.length;
          batch = [];
        };
        // rowid order: the order the rows were written, which keeps equal timestamps in their order.
        for (const row of sqlite.prepare(`select * from "${table}" order by rowid`).iterate()) {
          batch.push(row as Record<string, unknown>);
          if (batch.length >= BATCH_ROWS) await flush();
        }
        await flush();
        copied.push({ table, rows: count });
      }
      return copied;
    });
  } finally {
    sqlite.close();
    await target.destroy();
  }
}
