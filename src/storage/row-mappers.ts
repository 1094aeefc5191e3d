import { entityNameKey } from '../domain/entity-rules.js';
import type { FaultKind, FaultRule } from '../domain/fault-rules.js';
import type {
  AccessToken,
  AuditEvent,
  ClientStatus,
  Connection,
  ConnectionStatus,
  Entity,
  EntityStatus,
  Membership,
  MembershipStatus,
  OAuthClient,
  Role,
  Tenant,
  User,
  UserStatus,
} from '../domain/model.js';
import type {
  IdempotencyRecord,
  TenantOverview,
  TenantRuntime,
  TenantState,
  UserWithMemberships,
} from '../domain/ports/index.js';
import type {
  AccessTokensTable,
  AuditEventsTable,
  EntitiesTable,
  EntityConnectionsTable,
  FaultRulesTable,
  IdempotencyKeysTable,
  MembershipsTable,
  OAuthClientsTable,
  RateLimitCountersTable,
  TenantsTable,
  UsersTable,
} from './schema.js';

/**
 * The one place where rows become domain records and back. PostgreSQL returns `bigint` columns as
 * strings unless told otherwise, so every time passes through Number() here.
 */
export const toTenant = (r: Pick<TenantsTable, 'id' | 'name' | 'api_version' | 'created_at'>): Tenant => ({
  id: r.id,
  name: r.name,
  apiVersion: r.api_version,
  createdAt: Number(r.created_at),
});
export const fromTenant = (t: Tenant): TenantsTable => ({
  id: t.id,
  name: t.name,
  api_version: t.apiVersion,
  created_at: t.createdAt,
  fixture: null,
  id_seed: null,
  id_counter: 0,
  clock_offset_ms: 0,
  clock_frozen_at: null,
});

export const toTenantState = (r: TenantsTable): TenantState => ({
  ...toTenantRuntime(r),
  fixture: r.fixture,
});
export const toTenantRuntime = (
  r: Pick<TenantsTable, 'id' | 'id_seed' | 'id_counter' | 'clock_offset_ms' | 'clock_frozen_at'>,
): TenantRuntime => ({
  tenantId: r.id,
  idSeed: r.id_seed,
  idCounter: Number(r.id_counter),
  clock: {
    offsetMs: Number(r.clock_offset_ms),
    frozenAt: r.clock_frozen_at === null ? null : Number(r.clock_frozen_at),
  },
});

/** `resettable` is SQL's `fixture is not null`: 1 or 0 on SQLite, a boolean on PostgreSQL. */
export const toTenantOverview = (
  r: Omit<TenantsTable, 'fixture'> & { resettable: unknown },
): TenantOverview => ({
  tenant: toTenant(r),
  state: toTenantRuntime(r),
  resettable: Boolean(r.resettable),
});

export const toEntity = (r: Omit<EntitiesTable, 'name_key'>): Entity => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  displayName: r.display_name,
  locale: r.locale,
  timezone: r.timezone,
  status: r.status as EntityStatus,
  parentId: r.parent_id,
  createdAt: Number(r.created_at),
});
export const fromEntity = (e: Entity): EntitiesTable => ({
  id: e.id,
  tenant_id: e.tenantId,
  name: e.name,
  name_key: entityNameKey(e.name),
  display_name: e.displayName,
  locale: e.locale,
  timezone: e.timezone,
  status: e.status,
  parent_id: e.parentId,
  created_at: e.createdAt,
});

export const toConnection = (r: EntityConnectionsTable): Connection => ({
  id: r.id,
  tenantId: r.tenant_id,
  sourceEntityId: r.source_entity_id,
  targetEntityId: r.target_entity_id,
  status: r.status as ConnectionStatus,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});
export const fromConnection = (c: Connection): EntityConnectionsTable => ({
  id: c.id,
  tenant_id: c.tenantId,
  source_entity_id: c.sourceEntityId,
  target_entity_id: c.targetEntityId,
  status: c.status,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

export const toUser = (r: UsersTable): User => ({
  id: r.id,
  tenantId: r.tenant_id,
  username: r.username,
  homeEntityId: r.home_entity_id,
  status: r.status as UserStatus,
  createdAt: Number(r.created_at),
});
export const fromUser = (u: User): UsersTable => ({
  id: u.id,
  tenant_id: u.tenantId,
  username: u.username,
  home_entity_id: u.homeEntityId,
  status: u.status,
  created_at: u.createdAt,
});

export const toMembership = (r: MembershipsTable): Membership => ({
  userId: r.user_id,
  entityId: r.entity_id,
  role: r.role as Role,
  status: r.status as MembershipStatus,
  updatedAt: Number(r.updated_at),
});
export const fromMembership = (m: Membership): MembershipsTable => ({
  user_id: m.userId,
  entity_id: m.entityId,
  role: m.role,
  status: m.status,
  updated_at: m.updatedAt,
});

/** A membership's columns read through a left join, prefixed: all null when there is none (its role never is). */
export interface JoinedMembershipColumns {
  member_role: string | null;
  member_status: string | null;
  member_updated_at: number | null;
}
export const toJoinedMembership = (
  userId: string,
  entityId: string,
  r: JoinedMembershipColumns,
): Membership | undefined =>
  r.member_role === null
    ? undefined
    : toMembership({
        user_id: userId,
        entity_id: entityId,
        role: r.member_role,
        status: r.member_status as string,
        updated_at: r.member_updated_at as number,
      });

/** A row of users left-joined to their memberships: the user's columns, and one membership's or nulls. */
export interface UserMembershipRow extends UsersTable, JoinedMembershipColumns {
  member_entity_id: string | null;
}
/**
 * Rows ordered by user, then membership, as the users with their memberships: a user's rows are
 * consecutive, and a user without memberships has one row of nulls.
 */
export function toUsersWithMemberships(rows: readonly UserMembershipRow[]): UserWithMemberships[] {
  const users: UserWithMemberships[] = [];
  let current: UserWithMemberships | undefined;
  for (const row of rows) {
    if (current?.user.id !== row.id) {
      current = { user: toUser(row), memberships: [] };
      users.push(current);
    }
    const membership =
      row.member_entity_id === null ? undefined : toJoinedMembership(row.id, row.member_entity_id, row);
    if (membership) current.memberships.push(membership);
  }
  return users;
}

export const toClient = (r: OAuthClientsTable): OAuthClient => ({
  clientId: r.client_id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  secretHash: r.secret_hash,
  entityIds: JSON.parse(r.entity_ids) as string[],
  createdAt: Number(r.created_at),
  status: r.status as ClientStatus,
});
export const fromClient = (c: OAuthClient): OAuthClientsTable => ({
  client_id: c.clientId,
  tenant_id: c.tenantId,
  user_id: c.userId,
  secret_hash: c.secretHash,
  entity_ids: JSON.stringify(c.entityIds),
  created_at: c.createdAt,
  status: c.status ?? 'Active',
});

export const toToken = (r: AccessTokensTable): AccessToken => ({
  tokenHash: r.token_hash,
  jti: r.jti,
  tenantId: r.tenant_id,
  clientId: r.client_id,
  userId: r.user_id,
  entityIds: JSON.parse(r.entity_ids) as string[],
  issuedAt: Number(r.issued_at),
  expiresAt: Number(r.expires_at),
});
export const fromToken = (t: AccessToken): AccessTokensTable => ({
  token_hash: t.tokenHash,
  jti: t.jti,
  tenant_id: t.tenantId,
  client_id: t.clientId,
  user_id: t.userId,
  entity_ids: JSON.stringify(t.entityIds),
  issued_at: t.issuedAt,
  expires_at: t.expiresAt,
});

export const toIdempotencyRecord = (r: IdempotencyKeysTable): IdempotencyRecord => ({
  tenantId: r.tenant_id,
  clientId: r.client_id,
  key: r.key,
  method: r.method,
  url: r.url,
  bodyHash: r.body_hash,
  state: r.state as IdempotencyRecord['state'],
  lockedUntil: Number(r.locked_until),
  responseStatus: r.response_status === null ? null : Number(r.response_status),
  responseHeaders:
    r.response_headers === null ? null : (JSON.parse(r.response_headers) as Record<string, string>),
  responseBody: r.response_body,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
});
export const fromIdempotencyRecord = (r: IdempotencyRecord): IdempotencyKeysTable => ({
  tenant_id: r.tenantId,
  client_id: r.clientId,
  key: r.key,
  method: r.method,
  url: r.url,
  body_hash: r.bodyHash,
  state: r.state,
  locked_until: r.lockedUntil,
  response_status: r.responseStatus,
  response_headers: r.responseHeaders === null ? null : JSON.stringify(r.responseHeaders),
  response_body: r.responseBody,
  created_at: r.createdAt,
  expires_at: r.expiresAt,
});

export const toAuditEvent = (r: AuditEventsTable): AuditEvent => ({
  id: r.id,
  tenantId: r.tenant_id,
  at: Number(r.at),
  userId: r.user_id,
  clientId: r.client_id,
  entityId: r.entity_id,
  action: r.action,
  resourceType: r.resource_type as AuditEvent['resourceType'],
  resourceId: r.resource_id,
  before: r.before === null ? null : JSON.parse(r.before),
  after: r.after === null ? null : JSON.parse(r.after),
});
export const fromAuditEvent = (e: AuditEvent): AuditEventsTable => ({
  id: e.id,
  tenant_id: e.tenantId,
  at: e.at,
  user_id: e.userId,
  client_id: e.clientId,
  entity_id: e.entityId,
  action: e.action,
  resource_type: e.resourceType,
  resource_id: e.resourceId,
  before: e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
  after: e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
});

export const toFaultRule = (r: FaultRulesTable): FaultRule => ({
  id: r.id,
  tenantId: r.tenant_id,
  method: r.method,
  path: r.path,
  trackId: r.track_id,
  fault: r.fault as FaultKind,
  latencyMs: Number(r.latency_ms),
  retryAfter: r.retry_after === null ? null : Number(r.retry_after),
  remaining: r.remaining === null ? null : Number(r.remaining),
  rate: r.rate === null ? null : Number(r.rate),
  seed: Number(r.seed),
  matched: Number(r.matched),
  createdAt: Number(r.created_at),
});
export const fromFaultRule = (f: FaultRule): FaultRulesTable => ({
  id: f.id,
  tenant_id: f.tenantId,
  method: f.method,
  path: f.path,
  track_id: f.trackId,
  fault: f.fault,
  latency_ms: f.latencyMs,
  retry_after: f.retryAfter,
  remaining: f.remaining,
  rate: f.rate,
  seed: f.seed,
  matched: f.matched,
  created_at: f.createdAt,
});

/** The counts an upsert of rate counters returned, in the order the counters were asked for (RETURNING keeps none). */
export const toCountsInOrder = (
  counters: readonly { scope: string; windowStart: number }[],
  rows: readonly Pick<RateLimitCountersTable, 'scope' | 'window_start' | 'hits'>[],
): number[] =>
  counters.map((c) => {
    const row = rows.find((r) => r.scope === c.scope && Number(r.window_start) === c.windowStart);
    return Number(row?.hits ?? 0);
  });
