import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createStoreOps } from '../kysely-store-ops.js';
import { migrateToLatest } from '../migrations/index.js';
import type { Database } from '../schema.js';
import { type Store, UniqueViolation } from '../store.js';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /**
   * 'process' (default): WAL with synchronous=NORMAL, an acknowledged write survives a crash or
   * kill -9 of the server. 'full': synchronous=FULL, it also survives a power loss.
   */
  durability?: 'process' | 'full';
}

function translateError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // better-sqlite3's message names the columns: "UNIQUE constraint failed: t.a, t.b".
    const message = (error as Error).message;
    return new UniqueViolation(message.replace(/^UNIQUE constraint failed: /, ''), { cause: error });
  }
  return error;
}

/** The embedded store: one better-sqlite3 connection, which Kysely serializes (one transaction at a time). */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const sqlite = new SqliteDatabase(options.path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db);

  const ops = createStoreOps(db, translateError);
  let closed = false;
  return {
    kind: 'sqlite',
    ...ops,
    transaction: (fn) => db.transaction().execute((trx) => fn(createStoreOps(trx, translateError))),
    async ping() {
      if (closed) return false;
      try {
        sqlite.prepare('select 1').get();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
