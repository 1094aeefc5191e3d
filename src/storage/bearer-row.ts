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
