import type { FaultRule } from '../domain/fault-rules.js';
import type {
  AccessToken,
  AuditEvent,
  ClientStatus,
  Connection,
  ConnectionStatus,
  Entity,
  Membership,
  MembershipStatus,
  OAuthClient,
  Tenant,
  User,
  UserStatus,
} from '../domain/model.js';
import type { LimitSettings } from '../domain/rate-limits.js';
import type { TenantClockState } from '../domain/tenant-clock.js';

/** What the admin API keeps with a tenant: how to reset it, its id seed, its clock. */
export interface TenantState {
  tenantId: string;
  /** JSON: the fixture the tenant was created from (StoredFixture); null when it keeps none, and cannot be reset. */
  fixture: string | null;
  idSeed: string | null;
  /** How many seeded id sequences have been handed out. */
  idCounter: number;
  clock: TenantClockState;
}

/** A tenant's state without its fixture: all a request needs (clock, seed), without the fixture's JSON. */
export type TenantRuntime = Omit<TenantState, 'fixture'>;

/** A tenant as the admin API lists it: its record and state, and whether it keeps a fixture to reset to. */
export interface TenantOverview {
  tenant: Tenant;
  state: TenantRuntime;
  resettable: boolean;
}

/**
 * What a bearer token stands for, read at once: the token, its tenant and that tenant's clock and
 * seed (not its fixture, which authentication never needs), and the token's user and client as they
 * are now (undefined once deleted).
 */
export interface BearerRecord {
  token: AccessToken;
  tenant: Tenant;
  tenantState: TenantRuntime;
  user: User | undefined;
  client: OAuthClient | undefined;
  /**
   * When `findBearer` was given an entity id: that entity of the token's tenant with the token
   * user's membership in it (`findEntityAccess`), or null when the tenant has no such entity.
   */
  entityAccess?: { entity: Entity; membership: Membership | undefined } | null;
}

/** A stored first response to an Idempotency-Key (REFERENCE.md §7). */
export interface IdempotencyRecord {
  tenantId: string;
  clientId: string;
  key: string;
  method: string;
  url: string;
  /**
   * SHA-256 of the request's parsed body, serialized again (JSON.stringify): two bodies that parse
   * to the same value in the same key order match, whatever their whitespace or encoding.
   */
  bodyHash: string;
  /** 'running' while the first request is in flight; 'done' once its response is stored. */
  state: 'running' | 'done';
  /** Until when a 'running' claim holds; past it, the claim was abandoned (its process died). */
  lockedUntil: number;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface ConnectionPage {
  connections: Connection[];
  hasMore: boolean;
}

export type ConnectionDirection = 'inbound' | 'outbound' | 'both';

/**
 * Everything the domain reads or writes. One interface, two sides (SQLite and PostgreSQL); the
 * invariants that matter across processes (one open connection per ordered pair, unique entity
 * names, one claim per idempotency key) are held by database constraints, which surface here as
 * `UniqueViolation`; those that span rows by the row locks below.
 */
export interface StoreOps {
  /**
   * On the ops a transaction hands to its callback: runs `fn` in that same transaction. A domain
   * service given those ops (`within`) thus writes in a transaction already open for the request,
   * the Idempotency-Key's (domain/idempotency.ts), instead of opening one of its own.
   */
  transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T>;
  // Tenants
  insertTenant(tenant: Tenant): Promise<void>;
  findTenant(id: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  /** The tenant with its state, in one read that leaves the fixture's JSON unread. */
  findTenantOverview(id: string): Promise<TenantOverview | undefined>;
  /** Every tenant with its state, oldest first, in one read. */
  listTenantOverviews(): Promise<TenantOverview[]>;
  findTenantState(id: string): Promise<TenantState | undefined>;
  /** The state without the fixture, which can be hundreds of kilobytes. */
  findTenantRuntime(id: string): Promise<TenantRuntime | undefined>;
  updateTenantState(
    id: string,
    patch: Partial<Pick<TenantState, 'fixture' | 'idSeed' | 'idCounter' | 'clock'>>,
  ): Promise<void>;
  /** Takes the tenant's next id sequence number (from 1); run it in a transaction. */
  nextIdSequence(id: string): Promise<number>;
  /**
   * Removes everything the tenant holds: connections, tokens, clients, memberships, users,
   * entities, idempotency keys, audit events, fault rules, limit settings; and the tenant itself
   * unless `keepTenant`.
   */
  deleteTenantData(id: string, options: { keepTenant: boolean }): Promise<void>;

  /**
   * Row locks, held until the transaction ends (PostgreSQL runs READ COMMITTED; on SQLite, whose one
   * connection runs one transaction at a time, they only read). `lockTenant` 'all': the tenant's
   * row FOR UPDATE, which also waits for (and holds off) every insert that references the tenant
   * (reset, delete); 'hierarchy': FOR NO KEY UPDATE, which serializes changes to the tenant's
   * entities and clock but lets requests that only reference the tenant go on. Answers whether the
   * tenant exists.
   */
  lockTenant(id: string, scope: 'all' | 'hierarchy'): Promise<boolean>;
  /**
   * Waits for any other transaction creating the tenant of this id to end (PostgreSQL: a
   * transaction-level advisory lock), so that two processes loading the same fixture do not both
   * find the tenant missing.
   */
  lockTenantCreation(id: string): Promise<void>;

  // Entities
  insertEntity(entity: Entity): Promise<void>;
  /**
   * Those of `ids` that are entities of the tenant, locked FOR KEY SHARE: none of them can be
   * deleted until the transaction ends, while updates and provisioning go on.
   */
  lockEntities(tenantId: string, ids: readonly string[]): Promise<Entity[]>;
  findEntity(tenantId: string, id: string): Promise<Entity | undefined>;
  /** Those of `ids` that are entities of the tenant, in no particular order (unknown ids are left out). */
  findEntities(tenantId: string, ids: readonly string[]): Promise<Entity[]>;
  /** An entity of any tenant: used to tell "another tenant's entity" from "no such entity". */
  findEntityAnyTenant(id: string): Promise<Entity | undefined>;
  findEntityByName(tenantId: string, name: string): Promise<Entity | undefined>;
  listEntities(tenantId: string, filter?: { provisioned?: boolean }): Promise<Entity[]>;
  countEntities(tenantId: string): Promise<number>;
  updateEntity(
    tenantId: string,
    id: string,
    patch: Partial<Pick<Entity, 'name' | 'displayName' | 'locale' | 'timezone' | 'status'>>,
  ): Promise<void>;
  deleteEntities(tenantId: string, ids: string[]): Promise<void>;

  // Users and memberships
  insertUser(user: User): Promise<void>;
  findUser(tenantId: string, id: string): Promise<User | undefined>;
  findUserByUsername(tenantId: string, username: string): Promise<User | undefined>;
  listUsers(tenantId: string): Promise<User[]>;
  setUserStatus(tenantId: string, id: string, status: UserStatus): Promise<void>;
  upsertMembership(membership: Membership): Promise<void>;
  listMemberships(userId: string): Promise<Membership[]>;
  findMembership(userId: string, entityId: string): Promise<Membership | undefined>;
  /** `findMembership`, the row locked FOR UPDATE: a status transition reads the status it changes. */
  lockMembership(userId: string, entityId: string): Promise<Membership | undefined>;
  /** A tenant's entity with a user's membership in it (undefined when none), in one read. */
  findEntityAccess(
    tenantId: string,
    entityId: string,
    userId: string,
  ): Promise<{ entity: Entity; membership: Membership | undefined } | undefined>;
  /**
   * Writes `membership` only if the (user, entity) membership is still `expected` (null: there is
   * none); answers whether it wrote. A compare-and-set, so that of a concurrent accept and deny of
   * the same request exactly one wins.
   */
  setMembershipIf(membership: Membership, expected: MembershipStatus | null): Promise<boolean>;
  /** Removes every membership in one of `entityIds` (deleted entities); answers what it removed. */
  deleteMembershipsInEntities(entityIds: string[]): Promise<Membership[]>;

  // OAuth clients and tokens
  insertClient(client: OAuthClient): Promise<void>;
  findClient(clientId: string): Promise<OAuthClient | undefined>;
  listClients(tenantId: string): Promise<OAuthClient[]>;
  setClientEntities(clientId: string, entityIds: string[]): Promise<void>;
  setClientStatus(clientId: string, status: ClientStatus): Promise<void>;
  insertToken(token: AccessToken): Promise<void>;
  findToken(tokenHash: string): Promise<AccessToken | undefined>;
  /**
   * The token by its hash with its tenant, user and client, in one query; undefined if no such
   * token. With `entityId`, the same query reads that entity and the user's membership in it.
   */
  findBearer(tokenHash: string, entityId?: string): Promise<BearerRecord | undefined>;
  deleteExpiredTokens(now: number): Promise<number>;

  // Entity connections
  insertConnection(connection: Connection): Promise<void>;
  /** Inserts many connections in a few multi-row statements (bulk loads; run it in a transaction). */
  insertConnections(connections: Connection[]): Promise<void>;
  findConnection(tenantId: string, id: string): Promise<Connection | undefined>;
  /** `findConnection`, the row locked FOR UPDATE: a status transition reads the status it changes. */
  lockConnection(tenantId: string, id: string): Promise<Connection | undefined>;
  findOpenConnection(
    tenantId: string,
    sourceEntityId: string,
    targetEntityId: string,
  ): Promise<Connection | undefined>;
  listConnections(
    tenantId: string,
    entityId: string,
    direction: ConnectionDirection,
    page: { offset: number; limit: number },
  ): Promise<ConnectionPage>;
  updateConnectionStatus(tenantId: string, id: string, status: ConnectionStatus, now: number): Promise<void>;
  deleteConnection(tenantId: string, id: string): Promise<void>;
  /** Removes every connection whose source or target is one of `entityIds`; answers what it removed. */
  deleteConnectionsOfEntities(tenantId: string, entityIds: string[]): Promise<Connection[]>;

  // Idempotency keys
  /** Inserts a claim, 'running' or already 'done'; throws UniqueViolation when the key is already held. */
  insertIdempotencyClaim(record: IdempotencyRecord): Promise<void>;
  /**
   * Locks the key until the end of the current transaction, if no other transaction holds it;
   * false if one does. PostgreSQL: a transaction-level advisory lock on a 64-bit hash of the key,
   * so that a request meeting a key another instance is running answers 409 instead of waiting
   * for it on the key's index. SQLite: always true, the one connection holding no other
   * transaction open meanwhile.
   */
  lockIdempotencyKey(tenantId: string, clientId: string, key: string): Promise<boolean>;
  findIdempotencyRecord(
    tenantId: string,
    clientId: string,
    key: string,
  ): Promise<IdempotencyRecord | undefined>;
  /** Replaces an expired or abandoned record with a fresh claim, if it is still the one seen. */
  replaceIdempotencyClaim(previous: IdempotencyRecord, next: IdempotencyRecord): Promise<boolean>;
  /**
   * Stores the response of the claim made at `claimedAt`; false when that claim is no longer the
   * key's (its lease ran out and another request took the key over), so nothing is overwritten.
   */
  completeIdempotencyKey(
    tenantId: string,
    clientId: string,
    key: string,
    claimedAt: number,
    response: { status: number; headers: Record<string, string>; body: string },
  ): Promise<boolean>;
  deleteExpiredIdempotencyKeys(now: number): Promise<number>;

  // Audit trail
  insertAuditEvent(event: AuditEvent): Promise<void>;
  /** Newest first. */
  listAuditEvents(
    tenantId: string,
    filter?: { limit?: number; resourceId?: string; action?: string },
  ): Promise<AuditEvent[]>;

  // Limits (domain/rate-limits.ts)
  findTenantLimits(tenantId: string): Promise<LimitSettings | undefined>;
  setTenantLimits(tenantId: string, settings: LimitSettings, now: number): Promise<void>;
  /** Adds one to each counter (creating it at 1) in one statement; answers the new counts in order. */
  incrementRateCounters(
    counters: { scope: string; windowStart: number; expiresAt: number }[],
  ): Promise<number[]>;
  deleteExpiredRateCounters(now: number): Promise<number>;

  // Fault rules (domain/fault-rules.ts)
  insertFaultRule(rule: FaultRule): Promise<void>;
  /** In the order they were made. */
  listFaultRules(tenantId: string): Promise<FaultRule[]>;
  deleteFaultRule(tenantId: string, id: string): Promise<boolean>;
  deleteFaultRules(tenantId: string): Promise<number>;
  /** Adds one to the rule's match count and answers it; undefined when the rule is gone. */
  countFaultRuleMatch(id: string): Promise<number | undefined>;
  /** Takes one remaining firing, atomically; false when none is left. */
  consumeFaultRule(id: string): Promise<boolean>;
}

export interface Store extends StoreOps {
  /** Runs `fn` in a new database transaction: all of its writes land, or none. */
  transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T>;
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
