/** Table and column types as Kysely sees them: the database's own form (snake_case, integers for times). */

export interface TenantsTable {
  id: string;
  name: string;
  api_version: string;
  created_at: number;
  /** JSON: the fixture the admin API created the tenant from, for reset; null for file fixtures. */
  fixture: string | null;
  id_seed: string | null;
  /** How many seeded id sequences the tenant has used. */
  id_counter: number;
  clock_offset_ms: number;
  clock_frozen_at: number | null;
}

export interface EntitiesTable {
  id: string;
  tenant_id: string;
  name: string;
  /** entityNameKey(name): unique per tenant (migration 0004). */
  name_key: string;
  display_name: string;
  locale: string;
  timezone: string;
  status: string;
  parent_id: string | null;
  created_at: number;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  username: string;
  home_entity_id: string;
  status: string;
  created_at: number;
}

export interface MembershipsTable {
  user_id: string;
  entity_id: string;
  role: string;
  status: string;
  updated_at: number;
}

export interface OAuthClientsTable {
  client_id: string;
  tenant_id: string;
  user_id: string;
  secret_hash: string;
  /** JSON array of entity ids. */
  entity_ids: string;
  created_at: number;
  status: string;
}

export interface AccessTokensTable {
  token_hash: string;
  jti: string;
  tenant_id: string;
  client_id: string;
  user_id: string;
  /** JSON array of entity ids. */
  entity_ids: string;
  issued_at: number;
  expires_at: number;
}

export interface EntityConnectionsTable {
  id: string;
  tenant_id: string;
  source_entity_id: string;
  target_entity_id: string;
  status: string;
  created_at: number;
  updated_at: number;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  client_id: string;
  key: string;
  method: string;
  url: string;
  body_hash: string;
  state: string;
  locked_until: number;
  response_status: number | null;
  /** JSON object of header name to value. */
  response_headers: string | null;
  response_body: string | null;
  created_at: number;
  expires_at: number;
}

export interface AuditEventsTable {
  id: string;
  tenant_id: string;
  at: number;
  user_id: string | null;
  client_id: string | null;
  entity_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  /** JSON, or null. */
  before: string | null;
  after: string | null;
}

export interface TenantLimitsTable {
  tenant_id: string;
  /** JSON: the LimitSettings. */
  settings: string;
  updated_at: number;
}

export interface RateLimitCountersTable {
  /** What is counted, e.g. `tenant:6398:minute` or `token-ip:127.0.0.1:minute`. */
  scope: string;
  window_start: number;
  hits: number;
  expires_at: number;
}

export interface FaultRulesTable {
  id: string;
  tenant_id: string;
  method: string | null;
  path: string;
  track_id: string | null;
  fault: string;
  latency_ms: number;
  retry_after: number | null;
  remaining: number | null;
  rate: number | null;
  seed: number;
  matched: number;
  created_at: number;
}

export interface Database {
  tenant_limits: TenantLimitsTable;
  rate_limit_counters: RateLimitCountersTable;
  fault_rules: FaultRulesTable;
  audit_events: AuditEventsTable;
  tenants: TenantsTable;
  entities: EntitiesTable;
  users: UsersTable;
  memberships: MembershipsTable;
  oauth_clients: OAuthClientsTable;
  access_tokens: AccessTokensTable;
  entity_connections: EntityConnectionsTable;
  idempotency_keys: IdempotencyKeysTable;
}
