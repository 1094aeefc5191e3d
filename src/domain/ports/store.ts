import type { AccessStore } from './access.js';
import type { AuditStore } from './audit.js';
import type { ConnectionStore } from './connections.js';
import type { EntityStore } from './entities.js';
import type { FaultStore } from './faults.js';
import type { IdempotencyStore } from './idempotency.js';
import type { LimitStore } from './limits.js';
import type { TenantStore } from './tenants.js';
import type { TokenStore } from './tokens.js';

/**
 * Every port at once, as a transaction sees them. One set of ports, two sides (storage/sqlite and
 * storage/postgres); the invariants that matter across processes (one open connection per ordered
 * pair, unique entity names, one claim per idempotency key) are held by database constraints,
 * which surface as `UniqueViolation`, and those that span rows by the ports' lock operations.
 */
export interface StoreOps
  extends Transactional,
    TenantStore,
    EntityStore,
    AccessStore,
    TokenStore,
    ConnectionStore,
    IdempotencyStore,
    AuditStore,
    LimitStore,
    FaultStore {}

/** Runs work in one database transaction: all of its writes land, or none. */
export interface Transactional {
  /**
   * On the store: a new transaction. On the ops a transaction hands to its callback: `fn` runs in
   * that same transaction, so a domain service given them (`within`) writes in a transaction
   * already open for the request, the Idempotency-Key's (domain/idempotency.ts).
   */
  transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T>;
}

/** The database itself: durability, health, shutdown. */
export interface DatabaseLifecycle {
  /**
   * Resolves once every transaction committed before the call is as durable as the configured
   * level promises: SQLite at 'full' fdatasyncs its WAL, one fsync for all the commits of requests
   * that arrived together (group commit); otherwise at once. Responses to requests that wrote
   * wait for it (http/app.ts).
   */
  flush(): Promise<void>;
  /** Answers whether the database can serve. */
  ping(): Promise<boolean>;
  /** The connection pool's state, for /metrics; absent when the side has no pool. */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
  readonly kind: 'sqlite' | 'postgres';
}

/** What storage/open-store.ts opens: every port, transactions and the database's lifecycle. */
export interface Store extends StoreOps, DatabaseLifecycle {}

/** A write broke a uniqueness constraint; the domain turns it into the right Zuora error. */
export class UniqueViolation extends Error {
  constructor(
    readonly constraint: string,
    options?: { cause?: unknown },
  ) {
    super(`unique constraint violated: ${constraint}`, options);
    this.name = 'UniqueViolation';
  }
}
