import { closeSync, existsSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type SqliteDatabase as KyselySqliteDatabase, SqliteDialect, sql } from 'kysely';
import { AppError } from '../../domain/errors.js';
import { type Store, UniqueViolation } from '../../domain/ports/index.js';
import { guarded } from '../guarded.js';
import { createStoreOps } from '../kysely-store-ops.js';
import { migrateToLatest } from '../migrations/index.js';
import type { Database } from '../schema.js';
import { startBackgroundCheckpoints } from './background-checkpoints.js';
import { createBearerCache, mayChangeBearers } from './bearer-cache.js';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /**
   * 'process' (default): WAL with synchronous=NORMAL, an acknowledged write survives a crash or
   * kill -9 of the server. 'full': it also survives a power loss, by group commit: still
   * synchronous=NORMAL, and `flush()` fdatasyncs the WAL once for every commit made before it was
   * called (docs/PERFORMANCE.md).
   */
  durability?: 'process' | 'full';
  /**
   * The most pages the database file may grow to (SQLite's max_page_count); a write past it fails
   * as on a full disk. Unset: SQLite's own limit.
   */
  maxPageCount?: number;
}

/** How long `close()` waits for each of its steps (the last fsync, the last statement) at most. */
const CLOSE_STEP_TIMEOUT_MS = 5_000;

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
async function settleWithin(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.resolve(promise).catch(() => {}),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** WAL pages (4 kB each by default) at which a commit checkpoints inline, while the checkpointing thread runs. */
const INLINE_CHECKPOINT_PAGES = 16_000;

/** Prepared statements kept, by SQL text; the texts vary only with the length of IN lists. */
const STATEMENT_CACHE_SIZE = 500;

type Row = Record<string, unknown>;

/**
 * A function that turns a raw row (an array, in column order) into the object better-sqlite3 would
 * have built. Generated per statement as one object literal, so every row of a statement gets the
 * same hidden class at once; a later column of the same name wins, as in better-sqlite3's objects.
 * The names come from SQLite's description of our own statements, quoted with JSON.stringify.
 */
function rowBuilder(names: readonly string[]): (values: unknown[]) => Row {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(', ');
  return new Function('values', `return { ${fields} };`) as (values: unknown[]) => Row;
}

/**
 * A reading statement as Kysely calls it, reading raw rows (arrays) and building the objects in
 * JavaScript: better-sqlite3 builds each row object property by property through V8's API, which
 * cost about as much as SQLite's own work for a page of 30 connections (docs/PERFORMANCE.md).
 */
function rawReader(statement: SqliteDatabase.Statement): SqliteDatabase.Statement {
  statement.raw(true);
  let names = statement.columns().map((column) => column.name);
  let build = rowBuilder(names);
  const objects = (rows: unknown[][]): Row[] => {
    // SQLite prepares a statement again when the schema changes, and `select *` may then have
    // other columns than when this builder was made. Only the count is checked, per call: columns
    // reordered under a running server would go unseen, but the schema changes only through this
    // server's migrations, run before it serves (docs/DEPLOYMENT.md).
    if (rows[0] !== undefined && rows[0].length !== names.length) {
      names = statement.columns().map((column) => column.name);
      build = rowBuilder(names);
    }
    const result = rows as unknown[];
    for (let i = 0; i < rows.length; i++) result[i] = build(rows[i] as unknown[]);
    return result as Row[];
  };
  return {
    reader: true,
    all: (parameters: unknown[]) => objects(statement.all(parameters) as unknown[][]),
    *iterate(parameters: unknown[]) {
      for (const values of statement.iterate(parameters) as IterableIterator<unknown[]>) {
        yield objects([values])[0];
      }
    },
    run: (parameters: unknown[]) => statement.run(parameters),
  } as unknown as SqliteDatabase.Statement;
}

/** A prepared statement as kept, with what running it may change. */
interface KeptStatement {
  statement: SqliteDatabase.Statement;
  /** SQLite's own judgement (`sqlite3_stmt_readonly`): also true of `insert … returning`, a reader. */
  writes: boolean;
  /** Whether it may change what `findBearer` answers (bearer-cache.ts). */
  changesBearers: boolean;
}

/**
 * The connection as Kysely sees it, with prepared statements reused: Kysely prepares every query
 * it runs, and preparing costs as much as running a small one. A statement is only busy while
 * iterated, which Kysely does for `.stream()` alone, and this code never streams. Kysely prepares
 * each statement right before running it, in the same call, so `onWrite` runs before each write.
 */
function withStatementCache(
  sqlite: SqliteDatabase.Database,
  onWrite: (changesBearers: boolean) => void,
): KyselySqliteDatabase {
  const statements = new Map<string, KeptStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let kept = statements.get(sql);
      if (kept === undefined) {
        const prepared = sqlite.prepare(sql);
        const writes = !prepared.readonly;
        kept = {
          statement: prepared.reader ? rawReader(prepared) : prepared,
          writes,
          changesBearers: writes && mayChangeBearers(sql),
        };
        if (statements.size >= STATEMENT_CACHE_SIZE) {
          const oldest = statements.keys().next().value as string;
          statements.delete(oldest);
        }
        statements.set(sql, kept);
      }
      if (kept.writes) onWrite(kept.changesBearers);
      return kept.statement;
    },
  };
}

/**
 * Group commit for 'full' durability: `flush()` answers once every commit made before the call is
 * on disk. Commits themselves only write the WAL (synchronous=NORMAL); one fdatasync of the WAL
 * then covers all the commits made since the last one, so requests that write together share one
 * fsync instead of paying one each. An fsync in flight when `flush()` is called may have started
 * before the caller's commit, so the caller waits for the next one, which all callers arriving
 * meanwhile share. fdatasync flushes the file's data whatever descriptor it is called on.
 */
function createDurabilityBarrier(path: string) {
  let wal: number | undefined;
  /** Whether a statement that writes ran since the last fdatasync started. */
  let unsynced = false;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  function walDescriptor(): number {
    if (wal === undefined) {
      wal = openSync(`${path}-wal`, 'r');
      // The WAL's directory entry must survive a power loss too.
      const directory = openSync(dirname(path), 'r');
      try {
        fsyncSync(directory);
      } finally {
        closeSync(directory);
      }
    }
    return wal;
  }

  function sync(): Promise<void> {
    unsynced = false;
    const done = new Promise<void>((resolve, reject) => {
      fdatasync(walDescriptor(), (error) => (error ? reject(error) : resolve()));
    });
    running = done;
    const clear = () => {
      if (running === done) running = undefined;
    };
    done.then(clear, clear);
    return done;
  }

  return {
    markWritten() {
      unsynced = true;
    },
    flush(): Promise<void> {
      if (queued) return queued;
      if (!running) return unsynced ? sync() : Promise.resolve();
      const next = () => {
        queued = undefined;
        return unsynced ? sync() : Promise.resolve();
      };
      queued = running.then(next, next);
      return queued;
    },
    close() {
      if (wal !== undefined) closeSync(wal);
      wal = undefined;
    },
  };
}

function translateError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // better-sqlite3's message names the columns: "UNIQUE constraint failed: t.a, t.b".
    const message = (error as Error).message;
    return new UniqueViolation(message.replace(/^UNIQUE constraint failed: /, ''), { cause: error });
  }
  // A full disk (or a file at max_page_count) and I/O errors are the machine's, not the request's:
  // 503 with category 61, which a client retries and which is never stored under an
  // Idempotency-Key. The driver's error stays as the cause, for the log.
  if (typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR'))) {
    return new AppError('UNAVAILABLE', `The database cannot write now (${code}); retry later.`, {
      cause: error,
    });
  }
  return error;
}

/** The embedded store: one better-sqlite3 connection, which Kysely serializes (one transaction at a time). */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.path !== ':memory:') {
    mkdirSync(dirname(options.path), { recursive: true });
    // Created owner-only: it holds secret hashes and the audit trail. SQLite gives the -wal and
    // -shm files it creates the database file's permissions.
    if (!existsSync(options.path)) closeSync(openSync(options.path, 'a', 0o600));
  }
  const sqlite = new SqliteDatabase(options.path);
  if (options.maxPageCount !== undefined)
    sqlite.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
  sqlite.pragma('journal_mode = WAL');
  // 'full' too: its power-loss guarantee comes from flush() (group commit), not from an fsync per commit.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');

  // An in-memory database has nothing to make durable.
  const barrier =
    options.durability === 'full' && options.path !== ':memory:'
      ? createDurabilityBarrier(options.path)
      : null;
  // Answers of findBearer, kept while the database is unchanged (bearer-cache.ts).
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  const bearers = createBearerCache(() => dataVersion.get() as number);
  const database = withStatementCache(sqlite, (changesBearers) => {
    barrier?.markWritten();
    if (changesBearers) bearers.invalidate();
  });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  await migrateToLatest(db);

  let closed = false;
  // Checkpoints run on a thread of their own (background-checkpoints.ts), not inside commits.
  let checkpoints: ReturnType<typeof startBackgroundCheckpoints> | null = null;
  if (options.path !== ':memory:') {
    // The WAL is reused from its start only once a checkpoint has copied all of it, which the
    // thread, running beside a steady stream of commits, never quite does: this connection still
    // checkpoints when the WAL reaches INLINE_CHECKPOINT_PAGES, copying only what the thread has
    // not, and the next commit starts the WAL over.
    sqlite.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
    // A WAL started over is cut back to this many bytes, so a burst does not leave it large.
    const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
    sqlite.pragma(`journal_size_limit = ${INLINE_CHECKPOINT_PAGES * pageSize}`);
    checkpoints = startBackgroundCheckpoints(options.path, () => {
      // SQLite's default: every commit that takes the WAL past 1,000 pages checkpoints it.
      if (!closed) sqlite.pragma('wal_autocheckpoint = 1000');
    });
  }

  // One dialect: queries compiled for the database serve its transactions too.
  const opsOptions = { mergeDirectionsInProcess: true, templates: new Map() };
  const ops = guarded(createStoreOps(db, translateError, opsOptions), translateError);
  return {
    kind: 'sqlite',
    ...ops,
    findBearer: (tokenHash, entityId) =>
      bearers.find(tokenHash, entityId, () => ops.findBearer(tokenHash, entityId)),
    transaction: (fn) =>
      db.connection().execute(async (connection) => {
        await sql`begin`.execute(connection);
        try {
          const result = await fn(
            guarded(createStoreOps(connection, translateError, opsOptions), translateError),
          );
          await sql`commit`.execute(connection);
          return result;
        } catch (error) {
          // SQLite ends the transaction itself on some errors (SQLITE_FULL, I/O errors): a ROLLBACK
          // then fails with "cannot rollback - no transaction is active", which must not hide the cause.
          if (sqlite.inTransaction) await sql`rollback`.execute(connection);
          throw translateError(error);
        }
      }),
    flush: () => (barrier ? barrier.flush() : Promise.resolve()),
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
      // Every step bounded, so that a shutdown cannot hang on a disk or a thread.
      await settleWithin(barrier?.flush(), CLOSE_STEP_TIMEOUT_MS);
      barrier?.close();
      // The thread's connection closes first: the last one to close checkpoints and removes the WAL.
      await checkpoints?.close();
      await settleWithin(db.destroy(), CLOSE_STEP_TIMEOUT_MS);
    },
  };
}
