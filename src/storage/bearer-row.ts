import type { BearerRecord } from '../domain/ports/index.js';
import {
  toClient,
  toEntity,
  toMembership,
  toTenant,
  toTenantRuntime,
  toToken,
  toUser,
} from './row-mappers.js';
import type { AccessTokensTable } from './schema.js';

/**
 * The token with everything authenticating a request reads: its tenant (not the fixture), its user
 * and client as they are now, and the entity the request acts in with the token user's membership
 * in it. That entity is the one the request names by id (`named`), or else the token's only entity
 * (`onlyEntity`, read from its JSON list in each database's dialect); a token of several entities
 * and no id reads none. The columns are those of `BearerRow`.
 */
export const bearerSelect = (sql: { named: string; onlyEntity: string; tokenHash: string }): string => `
  select t.token_hash, t.jti, t.tenant_id, t.client_id, t.user_id, t.entity_ids, t.issued_at, t.expires_at,
    n.name as tenant_name, n.api_version as tenant_api_version, n.created_at as tenant_created_at,
    n.id_seed as tenant_id_seed, n.id_counter as tenant_id_counter,
    n.clock_offset_ms as tenant_clock_offset_ms, n.clock_frozen_at as tenant_clock_frozen_at,
    u.id as user_found, u.username as user_username, u.home_entity_id as user_home_entity_id,
    u.status as user_status, u.created_at as user_created_at,
    c.client_id as client_found, c.tenant_id as client_tenant_id, c.user_id as client_user_id,
    c.secret_hash as client_secret_hash, c.entity_ids as client_entity_ids,
    c.created_at as client_created_at, c.status as client_status,
    e.id as entity_found, e.name as entity_name, e.display_name as entity_display_name,
    e.locale as entity_locale, e.timezone as entity_timezone, e.status as entity_status,
    e.parent_id as entity_parent_id, e.created_at as entity_created_at,
    m.role as member_role, m.status as member_status, m.updated_at as member_updated_at
  from access_tokens t
  join tenants n on n.id = t.tenant_id
  left join users u on u.id = t.user_id and u.tenant_id = t.tenant_id
  left join oauth_clients c on c.client_id = t.client_id
  left join entities e on e.tenant_id = t.tenant_id and e.id = coalesce(${sql.named}, ${sql.onlyEntity})
  left join memberships m on m.user_id = t.user_id and m.entity_id = e.id
  where t.token_hash = ${sql.tokenHash}`;

/**
 * A row of the bearer join (`findBearer`): the token, its tenant's columns but the fixture, and its
 * user's, client's, acted entity's and the token user's membership in that entity (null where the
 * left join found no row).
 */
export interface BearerRow extends AccessTokensTable {
  tenant_name: string;
  tenant_api_version: string;
  tenant_created_at: number;
  tenant_id_seed: string | null;
  tenant_id_counter: number;
  tenant_clock_offset_ms: number;
  tenant_clock_frozen_at: number | null;
  user_found: string | null;
  user_username: string | null;
  user_home_entity_id: string | null;
  user_status: string | null;
  user_created_at: number | null;
  client_found: string | null;
  client_tenant_id: string | null;
  client_user_id: string | null;
  client_secret_hash: string | null;
  client_entity_ids: string | null;
  client_created_at: number | null;
  client_status: string | null;
  entity_found: string | null;
  entity_name: string | null;
  entity_display_name: string | null;
  entity_locale: string | null;
  entity_timezone: string | null;
  entity_status: string | null;
  entity_parent_id: string | null;
  entity_created_at: number | null;
  member_role: string | null;
  member_status: string | null;
  member_updated_at: number | null;
}

/**
 * The bearer join's row as its records; `entityId` is the id the request named, if any. Without
 * one the join reads the token's only entity, as the SQL of both stores' `findBearer` says.
 */
export function toBearer(r: BearerRow, entityId: string | undefined): BearerRecord {
  const tenant = {
    id: r.tenant_id,
    name: r.tenant_name,
    api_version: r.tenant_api_version,
    created_at: r.tenant_created_at,
    id_seed: r.tenant_id_seed,
    id_counter: r.tenant_id_counter,
    clock_offset_ms: r.tenant_clock_offset_ms,
    clock_frozen_at: r.tenant_clock_frozen_at,
  };
  const token = toToken(r);
  const record: BearerRecord = {
    token,
    tenant: toTenant(tenant),
    tenantState: toTenantRuntime(tenant),
    user:
      r.user_found === null
        ? undefined
        : toUser({
            id: r.user_found,
            tenant_id: r.tenant_id,
            username: r.user_username as string,
            home_entity_id: r.user_home_entity_id as string,
            status: r.user_status as string,
            created_at: r.user_created_at as number,
          }),
    client:
      r.client_found === null
        ? undefined
        : toClient({
            client_id: r.client_found,
            tenant_id: r.client_tenant_id as string,
            user_id: r.client_user_id as string,
            secret_hash: r.client_secret_hash as string,
            entity_ids: r.client_entity_ids as string,
            created_at: r.client_created_at as number,
            status: r.client_status as string,
          }),
  };
  if (entityId === undefined && token.entityIds.length !== 1) return record;
  if (r.entity_found === null) return { ...record, entityAccess: null };
  const entity = toEntity({
    id: r.entity_found,
    tenant_id: r.tenant_id,
    name: r.entity_name as string,
    display_name: r.entity_display_name as string,
    locale: r.entity_locale as string,
    timezone: r.entity_timezone as string,
    status: r.entity_status as string,
    parent_id: r.entity_parent_id,
    created_at: r.entity_created_at as number,
  });
  // A membership's role is never null in its table: a null one is the left join finding none.
  const membership =
    r.member_role === null
      ? undefined
      : toMembership({
          user_id: r.user_id,
          entity_id: entity.id,
          role: r.member_role,
          status: r.member_status as string,
          updated_at: r.member_updated_at as number,
        });
  return { ...record, entityAccess: { entity, membership } };
}
