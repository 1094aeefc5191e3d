import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { AppError } from '../../domain/errors.js';
import { type Store, type StoreOps, UniqueViolation } from '../../domain/ports/index.js';
import { migrateToLatest } from '../migrations/index.js';
import type { Database } from '../schema.js';
import { postgresAccessStore } from './access.js';
import { postgresAuditStore } from './audit.js';
import { postgresConnectionStore } from './connections.js';
import { postgresEntityStore } from './entities.js';
import { postgresFaultStore } from './faults.js';
import { postgresIdempotencyStore } from './idempotency.js';
import { postgresLimitStore } from './limits.js';
import { type PgSession, pgSession } from './session.js';
import { postgresTenantStore } from './tenants.js';
import { postgresTokenStore } from './tokens.js';

export interface PostgresStoreOptions {
  /** A postgres:// or postgresql:// URL. */
  url: string;
  /** Connections this process holds at most (MULTIENTITY_PG_POOL_SIZE). */
  poolSize?: number;
  /**
   * Whether statements are prepared once per connection under their names (default); false for
   * poolers that cannot keep them (MULTIENTITY_PG_PREPARED_STATEMENTS=off, session.ts).
   */
  preparedStatements?: boolean;
}

/** The longest a request waits for a pooled connection before it is answered 503. */
const CONNECT_TIMEOUT_MS = 5_000;

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';
const UNIQUE_VIOLATION = '23505';

/**
 * Errors that mean "the database cannot be reached", as opposed to "this query is wrong": socket
 * errors, SQLSTATE class 08 (connection exception), a server shutting down or starting
 * (57P01-57P03) and a server out of connections (53300).
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
// node-postgres reports a dropped or never-made connection by message, without a code.
const UNREACHABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed|not queryable/i;

/** The error and its causes (and an AggregateError's members: Node's happy-eyeballs connect). */
function* errorChain(error: unknown): Generator<{ code?: unknown; message?: unknown }> {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const next = queue.shift();
    if (typeof next !== 'object' || next === null || seen.has(next)) continue;
    seen.add(next);
    yield next as { code?: unknown; message?: unknown };
    queue.push((next as { cause?: unknown }).cause);
    const members = (next as { errors?: unknown }).errors;
    if (Array.isArray(members)) queue.push(...members);
  }
}

function sqlState(error: unknown): string | undefined {
  for (const link of errorChain(error)) {
    if (typeof link.code === 'string' && /^[0-9A-Z]{5}$/.test(link.code)) return link.code;
  }
  return undefined;
}

export function isUnreachable(error: unknown): boolean {
  if (error instanceof AppError) return false;
  for (const link of errorChain(error)) {
    const code = typeof link.code === 'string' ? link.code : '';
    if (UNREACHABLE_CODES.has(code) || code.startsWith('08')) return true;
    if (typeof link.message === 'string' && UNREACHABLE_MESSAGE.test(link.message)) return true;
  }
  return false;
}

/**
 * Names the violated key as SQLite does ("users.tenant_id, users.username"), from PostgreSQL's
 * detail "Key (tenant_id, username)=(…) already exists.", so that the domain can tell which
 * uniqueness failed the same way on both databases. Falls back to the constraint's name.
 */
function violatedColumns(error: pg.DatabaseError): string {
  const columns = /^Key \((.+?)\)=/.exec(error.detail ?? '')?.[1];
  if (!columns || !error.table) return error.constraint ?? 'unique';
  return columns
    .split(', ')
    .map((column) => `${error.table}.${column}`)
    .join(', ');
}

/**
 * The one place PostgreSQL's failures become the domain's: a unique violation becomes
 * `UniqueViolation`, an unreachable database `AppError('UNAVAILABLE')` (a Zuora 503, category 61),
 * a deadlock (or a serialization failure, which READ COMMITTED does not raise) 409 category 50,
 * which the client retries.
 */
function translateError(error: unknown): unknown {
  if (error instanceof AppError || error instanceof UniqueViolation) return error;
  if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) {
    return new UniqueViolation(violatedColumns(error as pg.DatabaseError), { cause: error });
  }
  const state = sqlState(error);
  if (state === DEADLOCK_DETECTED || state === SERIALIZATION_FAILURE) {
    return new AppError('LOCK_CONTENTION', undefined, { cause: error });
  }
  if (isUnreachable(error)) {
    return new AppError('UNAVAILABLE', 'The database is not reachable; retry later.', { cause: error });
  }
  return error;
}

/**
 * A pool whose `bigint` columns (times in milliseconds) come back as numbers: they stay below 2^53
 * until the year 287396. Every other type keeps node-postgres's parser.
 */
export function createPostgresPool(url: string, poolSize = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === pg.types.builtins.INT8
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection dropped by the server (restart, failover) is emitted here; unhandled it would
  // end the process. The pool has already discarded it, and the next query opens a new one.
  pool.on('error', () => {});
  return pool;
}

/** Migrations from several instances starting at once: Kysely's migrator serializes them on a
 * PostgreSQL advisory lock; a failure that is only the loser of the race for creating Kysely's own
 * bookkeeping tables is retried, and a second run finds nothing left to do. */
async function migrateWithRetry(db: Kysely<Database>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(db);
      return;
    } catch (error) {
      if (attempt >= 3 || isUnreachable(error)) throw error;
      await sleep(100 * attempt + Math.random() * 100);
    }
  }
}

/**
 * Every aggregate's operations in one session (src/storage/postgres/<aggregate>.ts). Their
 * statements are module constants; this only builds the method objects, once for the pool and
 * once per transaction.
 */
function aggregates(session: PgSession): Omit<StoreOps, 'transaction'> {
  return {
    ...postgresTenantStore(session),
    ...postgresLimitStore(session),
    ...postgresFaultStore(session),
    ...postgresAuditStore(session),
    ...postgresConnectionStore(session),
    ...postgresIdempotencyStore(session),
    ...postgresEntityStore(session),
    ...postgresAccessStore(session),
    ...postgresTokenStore(session),
  };
}

/**
 * The PostgreSQL store: a pool of `poolSize` connections, every transaction READ COMMITTED
 * (PostgreSQL's default). The invariants of one row are unique indexes (one open connection per
 * pair, an Idempotency-Key, entity names); those that span rows take the row locks the rules name
 * (`lockTenant` before the 512-entity count, `lockConnection` and `lockMembership` before a status
 * transition), so requests that share no key, pair or row never conflict. SERIALIZABLE aborted
 * such requests on false conflicts (its predicate locks cover index pages).
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = createPostgresPool(options.url, options.poolSize);
  const prepared = options.preparedStatements ?? true;
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateWithRetry(db);
  } catch (error) {
    await db.destroy();
    throw translateError(error);
  }

  const ops = aggregates(pgSession(pool, prepared, translateError)) as StoreOps;
  let closed = false;

  async function transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw translateError(error);
    }
    let broken: Error | undefined;
    try {
      await client.query('begin');
      const tx = aggregates(pgSession(client, prepared, translateError)) as StoreOps;
      tx.transaction = (inner) => inner(tx);
      const result = await fn(tx);
      await client.query('commit');
      return result;
    } catch (error) {
      try {
        await client.query('rollback');
      } catch (rollbackError) {
        // The connection is in no state to serve another request: the pool drops it.
        broken = rollbackError as Error;
      }
      throw translateError(error);
    } finally {
      client.release(broken);
    }
  }

  return {
    ...ops,
    kind: 'postgres',
    transaction,
    // synchronous_commit=on: each commit is already on disk when it returns.
    flush: () => Promise.resolve(),
    async ping() {
      if (closed) return false;
      try {
        await pool.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
