import { closeSync, existsSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { AppError } from '../../domain/errors.js';
import { type Store, type StoreOps, UniqueViolation } from '../../domain/ports/index.js';
import { migrateToLatest } from '../migrations/index.js';
import type { Database } from '../schema.js';
import { sqliteAccessStore } from './access.js';
import { sqliteAuditStore } from './audit.js';
import { startBackgroundCheckpoints } from './background-checkpoints.js';
import { sqliteConnectionStore } from './connections.js';
import { sqliteEntityStore } from './entities.js';
import { sqliteFaultStore } from './faults.js';
import { guarded } from './guarded.js';
import { sqliteIdempotencyStore } from './idempotency.js';
import { sqliteLimitStore } from './limits.js';
import { sqliteTenantStore } from './tenants.js';
import { sqliteTokenStore } from './tokens.js';
import { createTransactionQueue } from './transaction-queue.js';

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
  /**
   * How long a call waits for the open transaction before it is taken for a call that waits for
   * itself and fails with `TransactionMisuse` (transaction-queue.ts). Default 15 s.
   */
  transactionWaitLimitMs?: number;
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

/** No legitimate wait for SQLite's connection comes near this (transaction-queue.ts). */
const TRANSACTION_WAIT_LIMIT_MS = 15_000;

/** WAL pages (4 kB each by default) at which a commit checkpoints inline, while the checkpointing thread runs. */
const INLINE_CHECKPOINT_PAGES = 16_000;

/**
 * Group commit for 'full' durability: `flush()` answers once every commit made before the call is
 * on disk. Commits themselves only write the WAL (synchronous=NORMAL); one fdatasync of the WAL
 * then covers all the commits made since the last one, so requests that write together share one
 * fsync instead of paying one each. An fsync in flight when `flush()` is called may have started
 * before the caller's commit, so the caller waits for the next one, which all callers arriving
 * meanwhile share. fdatasync flushes the file's data whatever descriptor it is called on. SQLite's
 * `total_changes()` tells whether this connection changed any row since the last one began: after
 * reads only, there is nothing to wait for.
 */
function createDurabilityBarrier(path: string, totalChanges: () => number, inTransaction: () => boolean) {
  let wal: number | undefined;
  /** The connection's count of changed rows when the last fdatasync started: unchanged since, nothing to sync. */
  let synced = totalChanges();
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
    const changes = totalChanges();
    if (changes === synced) return Promise.resolve();
    // The open transaction's rows are counted but not committed: its commit needs a sync of its own.
    synced = inTransaction() ? -1 : changes;
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
    flush(): Promise<void> {
      if (queued) return queued;
      if (!running) return sync();
      const next = () => {
        queued = undefined;
        return sync();
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

/**
 * Every aggregate's operations on the one connection: each prepares its statements once, here
 * (src/storage/sqlite/<aggregate>.ts).
 */
function aggregates(sqlite: SqliteDatabase.Database): Omit<StoreOps, 'transaction'> {
  return {
    ...sqliteTenantStore(sqlite),
    ...sqliteLimitStore(sqlite),
    ...sqliteFaultStore(sqlite),
    ...sqliteAuditStore(sqlite),
    ...sqliteConnectionStore(sqlite),
    ...sqliteIdempotencyStore(sqlite),
    ...sqliteEntityStore(sqlite),
    ...sqliteAccessStore(sqlite),
    ...sqliteTokenStore(sqlite),
  };
}

/** The embedded store: one better-sqlite3 connection, one transaction at a time (transaction-queue.ts). */
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
  try {
    // Kysely runs the migrations, then is dropped: the requests' statements are prepared below.
    await migrateToLatest(new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }));
  } catch (error) {
    sqlite.close();
    throw translateError(error);
  }

  const totalChanges = sqlite.prepare('select total_changes()').pluck();
  // An in-memory database has nothing to make durable.
  const barrier =
    options.durability === 'full' && options.path !== ':memory:'
      ? createDurabilityBarrier(
          options.path,
          () => totalChanges.get() as number,
          () => sqlite.inTransaction,
        )
      : null;

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

  const queue = createTransactionQueue(options.transactionWaitLimitMs ?? TRANSACTION_WAIT_LIMIT_MS);
  // Inside a transaction the same operations serve: there is one connection.
  const inTransaction = guarded(aggregates(sqlite), translateError) as StoreOps;
  inTransaction.transaction = (fn) => fn(inTransaction);
  const selectOne = sqlite.prepare('select 1');
  const begin = sqlite.prepare('begin immediate');
  const commit = sqlite.prepare('commit');
  const rollback = sqlite.prepare('rollback');

  async function transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> {
    await queue.acquire();
    try {
      // IMMEDIATE: the write lock is taken now, so that a transaction never has to upgrade a read
      // lock while another process (a `multientity` command) writes, which SQLite refuses at once.
      begin.run();
      try {
        const result = await fn(inTransaction);
        commit.run();
        return result;
      } catch (error) {
        // SQLite ends the transaction itself on some errors (SQLITE_FULL, I/O errors): a ROLLBACK
        // then fails with "cannot rollback - no transaction is active", which must not hide the cause.
        if (sqlite.inTransaction) rollback.run();
        throw error;
      }
    } catch (error) {
      throw translateError(error);
    } finally {
      queue.release();
    }
  }

  /** An operation outside any transaction: at once when the connection is free, else in its turn. */
  function outside<A extends unknown[], R>(operation: (...args: A) => Promise<R>) {
    return (...args: A): Promise<R> => {
      if (!queue.busy) return operation(...args);
      return queue.acquire().then(() => operation(...args).finally(() => queue.release()));
    };
  }

  const ops: Record<string, unknown> = {};
  for (const [name, operation] of Object.entries(inTransaction)) {
    if (name !== 'transaction') ops[name] = outside(operation as (...args: unknown[]) => Promise<unknown>);
  }

  return {
    ...(ops as Omit<StoreOps, 'transaction'>),
    kind: 'sqlite',
    transaction,
    flush: () => (barrier ? barrier.flush() : Promise.resolve()),
    async ping() {
      if (closed) return false;
      try {
        selectOne.get();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // Every step bounded, so that a shutdown cannot hang on a disk, a thread or a transaction.
      await settleWithin(barrier?.flush(), CLOSE_STEP_TIMEOUT_MS);
      barrier?.close();
      // The thread's connection closes first: the last one to close checkpoints and removes the WAL.
      await checkpoints?.close();
      await settleWithin(
        queue.acquire().then(() => sqlite.close()),
        CLOSE_STEP_TIMEOUT_MS,
      );
      if (sqlite.open) sqlite.close();
    },
  };
}
