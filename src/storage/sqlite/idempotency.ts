import type SqliteDatabase from 'better-sqlite3';
import type { IdempotencyStore } from '../../domain/ports/index.js';
import * as map from '../row-mappers.js';
import type { IdempotencyKeysTable } from '../schema.js';

const COLUMNS =
  'tenant_id, client_id, key, method, url, body_hash, state, locked_until, response_status, response_headers, response_body, created_at, expires_at';

export function sqliteIdempotencyStore(db: SqliteDatabase.Database): IdempotencyStore {
  const insert = db.prepare(
    `insert into idempotency_keys (${COLUMNS}) values (@tenant_id, @client_id, @key, @method, @url,
     @body_hash, @state, @locked_until, @response_status, @response_headers, @response_body, @created_at, @expires_at)`,
  );
  const find = db.prepare(
    `select ${COLUMNS} from idempotency_keys where tenant_id = ? and client_id = ? and key = ?`,
  );
  // Compare-and-set on (state, locked_until, created_at): of two processes reclaiming the same
  // abandoned or expired key, exactly one sees its update applied.
  const replace = db.prepare(
    `update idempotency_keys set method = @method, url = @url, body_hash = @body_hash, state = @state,
       locked_until = @locked_until, response_status = null, response_headers = null, response_body = null,
       created_at = @created_at, expires_at = @expires_at
     where tenant_id = @tenant_id and client_id = @client_id and key = @key
       and state = @previous_state and locked_until = @previous_locked_until and created_at = @previous_created_at`,
  );
  const complete = db.prepare(
    `update idempotency_keys set state = 'done', response_status = ?, response_headers = ?, response_body = ?
     where tenant_id = ? and client_id = ? and key = ? and state = 'running' and created_at = ?`,
  );
  // Expiry of the keys of tenants whose clock was moved is judged by their own clock when used;
  // the sweep, which knows only the server's time, leaves them until the tenant is reset or deleted.
  const deleteExpired = db.prepare(
    `delete from idempotency_keys where expires_at <= ? and tenant_id not in
       (select id from tenants where clock_offset_ms != 0 or clock_frozen_at is not null)`,
  );

  return {
    async insertIdempotencyClaim(record) {
      insert.run(map.fromIdempotencyRecord(record));
    },
    // The one connection holds no other transaction open meanwhile.
    async lockIdempotencyKey() {
      return true;
    },
    async findIdempotencyRecord(tenantId, clientId, key) {
      const row = find.get(tenantId, clientId, key) as IdempotencyKeysTable | undefined;
      return row && map.toIdempotencyRecord(row);
    },
    async replaceIdempotencyClaim(previous, next) {
      const row = map.fromIdempotencyRecord(next);
      const result = replace.run({
        method: row.method,
        url: row.url,
        body_hash: row.body_hash,
        state: row.state,
        locked_until: row.locked_until,
        created_at: row.created_at,
        expires_at: row.expires_at,
        tenant_id: previous.tenantId,
        client_id: previous.clientId,
        key: previous.key,
        previous_state: previous.state,
        previous_locked_until: previous.lockedUntil,
        previous_created_at: previous.createdAt,
      });
      return result.changes === 1;
    },
    async completeIdempotencyKey(tenantId, clientId, key, claimedAt, response) {
      const result = complete.run(
        response.status,
        JSON.stringify(response.headers),
        response.body,
        tenantId,
        clientId,
        key,
        claimedAt,
      );
      return result.changes === 1;
    },
    async deleteExpiredIdempotencyKeys(now) {
      return deleteExpired.run(now).changes;
    },
  };
}
