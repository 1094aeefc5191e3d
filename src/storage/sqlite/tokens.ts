import type SqliteDatabase from 'better-sqlite3';
import type { TokenStore } from '../../domain/ports/index.js';
import { type BearerRow, toBearer } from '../bearer-row.js';
import * as map from '../row-mappers.js';
import type { OAuthClientsTable } from '../schema.js';

/**
 * The token with everything authenticating a request reads: its tenant (not the fixture), its user
 * and client as they are now, and the entity the request acts in with the token user's membership
 * in it. That entity is the one the request names by id (the first parameter), or else the token's
 * only entity; a token of several entities and no id reads none.
 */
const FIND_BEARER = `
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
  left join entities e on e.tenant_id = t.tenant_id and e.id = coalesce(
    ?, case when json_array_length(t.entity_ids) = 1 then t.entity_ids ->> 0 end)
  left join memberships m on m.user_id = t.user_id and m.entity_id = e.id
  where t.token_hash = ?`;

/** OAuth clients and bearer tokens on SQLite: one statement per operation, prepared when the store opens. */
export function sqliteTokenStore(db: SqliteDatabase.Database): TokenStore {
  const insertClient = db.prepare(
    `insert into oauth_clients (client_id, tenant_id, user_id, secret_hash, entity_ids, created_at, status)
     values (@client_id, @tenant_id, @user_id, @secret_hash, @entity_ids, @created_at, @status)`,
  );
  const findClient = db.prepare<[string], OAuthClientsTable>(
    `select client_id, tenant_id, user_id, secret_hash, entity_ids, created_at, status
     from oauth_clients where client_id = ?`,
  );
  const listClients = db.prepare<[string], OAuthClientsTable>(
    `select client_id, tenant_id, user_id, secret_hash, entity_ids, created_at, status
     from oauth_clients where tenant_id = ? order by created_at, client_id`,
  );
  const setClientEntities = db.prepare<[string, string]>(
    'update oauth_clients set entity_ids = ? where client_id = ?',
  );
  const setClientStatus = db.prepare<[string, string]>(
    'update oauth_clients set status = ? where client_id = ?',
  );
  const insertToken = db.prepare(
    `insert into access_tokens (token_hash, jti, tenant_id, client_id, user_id, entity_ids, issued_at, expires_at)
     values (@token_hash, @jti, @tenant_id, @client_id, @user_id, @entity_ids, @issued_at, @expires_at)`,
  );
  const findBearer = db.prepare<[string | null, string], BearerRow>(FIND_BEARER);
  // Tokens of a tenant whose clock was moved expire by that clock, which the sweep does not know:
  // they stay until the tenant is reset or deleted (auth-service.ts judges them on every use).
  const deleteExpiredTokens = db.prepare<[number]>(
    `delete from access_tokens where expires_at <= ? and tenant_id not in (
       select id from tenants where clock_offset_ms != 0 or clock_frozen_at is not null)`,
  );

  return {
    async insertClient(client) {
      insertClient.run(map.fromClient(client));
    },
    async findClient(clientId) {
      const row = findClient.get(clientId);
      return row && map.toClient(row);
    },
    async listClients(tenantId) {
      return listClients.all(tenantId).map(map.toClient);
    },
    async setClientEntities(clientId, entityIds) {
      setClientEntities.run(JSON.stringify(entityIds), clientId);
    },
    async setClientStatus(clientId, status) {
      setClientStatus.run(status, clientId);
    },
    async insertToken(token) {
      insertToken.run(map.fromToken(token));
    },
    async findBearer(tokenHash, entityId) {
      const row = findBearer.get(entityId ?? null, tokenHash);
      return row && toBearer(row, entityId);
    },
    async deleteExpiredTokens(now) {
      return deleteExpiredTokens.run(now).changes;
    },
  };
}
