import type SqliteDatabase from 'better-sqlite3';
import type { TokenStore } from '../../domain/ports/index.js';
import { type BearerRow, bearerSelect, toBearer } from '../bearer-row.js';
import { columns } from '../columns.js';
import * as map from '../row-mappers.js';
import type { OAuthClientsTable } from '../schema.js';

const FIND_BEARER = bearerSelect({
  named: '?',
  onlyEntity: 'case when json_array_length(t.entity_ids) = 1 then t.entity_ids ->> 0 end',
  tokenHash: '?',
});

/** OAuth clients and bearer tokens on SQLite: one statement per operation, prepared when the store opens. */
export function sqliteTokenStore(db: SqliteDatabase.Database): TokenStore {
  const insertClient = db.prepare(
    `insert into oauth_clients (${columns.oauthClients})
     values (@client_id, @tenant_id, @user_id, @secret_hash, @entity_ids, @created_at, @status)`,
  );
  const findClient = db.prepare<[string], OAuthClientsTable>(
    `select ${columns.oauthClients}
     from oauth_clients where client_id = ?`,
  );
  const listClients = db.prepare<[string], OAuthClientsTable>(
    `select ${columns.oauthClients}
     from oauth_clients where tenant_id = ? order by created_at, client_id`,
  );
  const setClientEntities = db.prepare<[string, string]>(
    'update oauth_clients set entity_ids = ? where client_id = ?',
  );
  const setClientStatus = db.prepare<[string, string]>(
    'update oauth_clients set status = ? where client_id = ?',
  );
  const insertToken = db.prepare(
    `insert into access_tokens (${columns.accessTokens})
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
