import type { TokenStore } from '../../domain/ports/index.js';
import { type BearerRow, toBearer } from '../bearer-row.js';
import * as map from '../row-mappers.js';
import type { OAuthClientsTable } from '../schema.js';
import type { PgSession, PgStatement } from './session.js';

const INSERT_CLIENT: PgStatement = {
  name: 'tokens.insertClient',
  text: `insert into oauth_clients (client_id, tenant_id, user_id, secret_hash, entity_ids, created_at, status)
         values ($1, $2, $3, $4, $5, $6, $7)`,
};
const FIND_CLIENT: PgStatement = {
  name: 'tokens.findClient',
  text: `select client_id, tenant_id, user_id, secret_hash, entity_ids, created_at, status
         from oauth_clients where client_id = $1`,
};
const LIST_CLIENTS: PgStatement = {
  name: 'tokens.listClients',
  text: `select client_id, tenant_id, user_id, secret_hash, entity_ids, created_at, status
         from oauth_clients where tenant_id = $1 order by created_at, client_id`,
};
const SET_CLIENT_ENTITIES: PgStatement = {
  name: 'tokens.setClientEntities',
  text: 'update oauth_clients set entity_ids = $2 where client_id = $1',
};
const SET_CLIENT_STATUS: PgStatement = {
  name: 'tokens.setClientStatus',
  text: 'update oauth_clients set status = $2 where client_id = $1',
};
const INSERT_TOKEN: PgStatement = {
  name: 'tokens.insertToken',
  text: `insert into access_tokens (token_hash, jti, tenant_id, client_id, user_id, entity_ids, issued_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
};
/**
 * The token with everything authenticating a request reads: its tenant (not the fixture), its user
 * and client as they are now, and the entity the request acts in with the token user's membership
 * in it. That entity is the one the request names by id ($2), or else the token's only entity; a
 * token of several entities and no id reads none.
 */
const FIND_BEARER: PgStatement = {
  name: 'tokens.findBearer',
  text: `select t.token_hash, t.jti, t.tenant_id, t.client_id, t.user_id, t.entity_ids, t.issued_at, t.expires_at,
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
    left join entities e on e.tenant_id = t.tenant_id and e.id = coalesce(
      $2::text, case when json_array_length(t.entity_ids::json) = 1 then t.entity_ids::json ->> 0 end)
    left join memberships m on m.user_id = t.user_id and m.entity_id = e.id
    where t.token_hash = $1`,
};
// Tokens of a tenant whose clock was moved expire by that clock, which the sweep does not know:
// they stay until the tenant is reset or deleted (auth-service.ts judges them on every use).
const DELETE_EXPIRED_TOKENS: PgStatement = {
  name: 'tokens.deleteExpiredTokens',
  text: `delete from access_tokens where expires_at <= $1 and tenant_id not in (
           select id from tenants where clock_offset_ms != 0 or clock_frozen_at is not null)`,
};

/** OAuth clients and bearer tokens on PostgreSQL: one named statement per operation. */
export function postgresTokenStore(session: PgSession): TokenStore {
  return {
    async insertClient(client) {
      const r = map.fromClient(client);
      await session.count(INSERT_CLIENT, [
        r.client_id,
        r.tenant_id,
        r.user_id,
        r.secret_hash,
        r.entity_ids,
        r.created_at,
        r.status,
      ]);
    },
    async findClient(clientId) {
      const [row] = await session.rows<OAuthClientsTable>(FIND_CLIENT, [clientId]);
      return row && map.toClient(row);
    },
    async listClients(tenantId) {
      return (await session.rows<OAuthClientsTable>(LIST_CLIENTS, [tenantId])).map(map.toClient);
    },
    async setClientEntities(clientId, entityIds) {
      await session.count(SET_CLIENT_ENTITIES, [clientId, JSON.stringify(entityIds)]);
    },
    async setClientStatus(clientId, status) {
      await session.count(SET_CLIENT_STATUS, [clientId, status]);
    },
    async insertToken(token) {
      const r = map.fromToken(token);
      await session.count(INSERT_TOKEN, [
        r.token_hash,
        r.jti,
        r.tenant_id,
        r.client_id,
        r.user_id,
        r.entity_ids,
        r.issued_at,
        r.expires_at,
      ]);
    },
    async findBearer(tokenHash, entityId) {
      const [row] = await session.rows<BearerRow>(FIND_BEARER, [tokenHash, entityId ?? null]);
      return row && toBearer(row, entityId);
    },
    async deleteExpiredTokens(now) {
      return session.count(DELETE_EXPIRED_TOKENS, [now]);
    },
  };
}
