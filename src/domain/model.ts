/** The domain's records, as the services see them (the wire and the database have their own forms). */

export type EntityStatus = 'Provisioned' | 'Unprovisioned';
export type ConnectionStatus = 'Pending' | 'Connected' | 'Disconnected';
export type Role = 'Administrator' | 'Standard User';
export type MembershipStatus = 'Active' | 'Pending Review' | 'Access Denied';
export type UserStatus = 'Active' | 'Inactive';
export type ClientStatus = 'Active' | 'Inactive';

export interface Tenant {
  id: string; // digits, e.g. "6398"
  name: string;
  /** The Zuora-Version that applies when a request sends none. */
  apiVersion: string;
  createdAt: number;
}

export interface Entity {
  id: string; // 32 lowercase hex
  tenantId: string;
  name: string;
  displayName: string;
  locale: string;
  timezone: string;
  status: EntityStatus;
  parentId: string | null;
  createdAt: number;
}

export interface Connection {
  id: string;
  tenantId: string;
  sourceEntityId: string;
  targetEntityId: string;
  status: ConnectionStatus;
  createdAt: number;
  updatedAt: number;
}

export interface User {
  id: string;
  tenantId: string;
  username: string;
  homeEntityId: string;
  status: UserStatus;
  createdAt: number;
}

export interface Membership {
  userId: string;
  entityId: string;
  role: Role;
  status: MembershipStatus;
  updatedAt: number;
}

export interface OAuthClient {
  clientId: string; // 36 characters
  tenantId: string;
  userId: string;
  /** Salted SHA-256 of the secret; the secret itself is never stored. */
  secretHash: string;
  entityIds: string[];
  createdAt: number;
  /** Inactive clients get no tokens and their tokens stop working; absent means Active. */
  status?: ClientStatus;
}

export interface AccessToken {
  /** SHA-256 of the bearer token; the token itself is never stored. */
  tokenHash: string;
  jti: string;
  tenantId: string;
  clientId: string;
  userId: string;
  /** The entities the token may act in, fixed when it is issued. */
  entityIds: string[];
  issuedAt: number;
  expiresAt: number;
}

/** Who is calling, as resolved from a valid token and the entity context. */
export interface Actor {
  tenantId: string;
  userId: string;
  clientId: string;
  /** The entity the request acts in (docs/CONTRACT.md §2, Zuora-Entity-Ids). */
  entityId: string;
}

/** One change to entities, connections or access, for the audit trail. */
export interface AuditEvent {
  id: string;
  tenantId: string;
  at: number;
  /** The acting user and OAuth client; null for changes made by the operator or a fixture. */
  userId: string | null;
  clientId: string | null;
  /** The entity the change was made in (the acting entity). */
  entityId: string | null;
  /** e.g. 'connection.request', 'connection.deny', 'entity.create', 'access.accept'. */
  action: string;
  resourceType: 'entity' | 'connection' | 'membership' | 'user' | 'client' | 'tenant';
  resourceId: string;
  before: unknown;
  after: unknown;
}

/** A fault rule (domain/fault-rules.ts): which requests it matches and what it answers them. */
export type FaultKind = 'latency' | '429' | '500' | '503' | 'drop';

export interface FaultRule {
  id: string;
  tenantId: string;
  /** An HTTP method, or null for any. */
  method: string | null;
  /** An exact path, a route template (`/v1/entity-connections/:id/accept`) or a pattern with `*`. */
  path: string;
  /** Only requests with this Zuora-Track-Id, or null for any. */
  trackId: string | null;
  fault: FaultKind;
  /** Added before the answer; for 'latency' the request then runs normally. */
  latencyMs: number;
  /** Retry-After seconds on a 429 (and on a 503 when set). */
  retryAfter: number | null;
  /** How many more times it fires; null: no end. */
  remaining: number | null;
  /** The chance (0..1) a matching request fires it; null: every one. */
  rate: number | null;
  /** Seeds the chance: the same seed gives the same sequence of fired and passed requests. */
  seed: number;
  /** Matching requests seen so far (counted only for rules with a rate). */
  matched: number;
  createdAt: number;
}

export type LimitProfileName = 'production' | 'developer-sandbox' | 'api-sandbox';

export interface Limits {
  perMinute: number;
  perHour: number;
  perDay: number;
  /** Requests in flight per entity (Zuora's "Default" concurrency type). */
  concurrency: number;
  /** POST /oauth/token per tenant, client IP and minute. */
  tokenPerMinute: number;
}

/** A tenant's setting: a profile, or 'off', with any number overridden (a tiny profile for tests). */
export interface LimitSettings extends Partial<Limits> {
  profile: 'off' | LimitProfileName;
}

/**
 * A tenant's clock as the admin API set it, kept in the database so every instance reads the same
 * time: the tenant sees the server's time plus `offsetMs`, or, while frozen, exactly `frozenAt`.
 */
export interface TenantClockState {
  offsetMs: number;
  frozenAt: number | null;
}
