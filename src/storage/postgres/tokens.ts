import type { TokenStore } from '../../domain/ports/index.js';
import { type BearerRow, bearerSelect, toBearer } from '../bearer-row.js';
import { columns } from '../columns.js';
import * as map from '../row-mappers.js';
import type { OAuthClientsTable } from '../schema.js';
import type { PgSession, PgStatement } from './session.js';

const INSERT_CLIENT: PgStatement = {
  name: 'tokens.insertClient',
  text: `insert into oauth_clients (${columns.oauthClients})
         values ($1, $2, $3, $4, $5, $6, $7)`,
};
const FIND_CLIENT: PgStatement = {
  name: 'tokens.findClient',
  text: `select ${columns.oauthClients}
         from oauth_clients where client_id = $1`,
};
const LIST_CLIENTS: PgStatement = {
  name: 'tokens.listClients',
  text: `select ${columns.oauthClients}
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
  text: `insert into access_tokens (${columns.accessTokens})
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
};
const FIND_BEARER: PgStatement = {
  name: 'tokens.findBearer',
  text: bearerSelect({
    named: '$2::text',
    onlyEntity: 'case when json_array_length(t.entity_ids::json) = 1 then t.entity_ids::json ->> 0 end',
    tokenHash: '$1',
  }),
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
