import type { IdempotencyStore } from '../../domain/ports/index.js';
import * as map from '../row-mappers.js';
import type { IdempotencyKeysTable } from '../schema.js';
import { advisoryLockId } from './advisory-lock.js';
import type { PgSession, PgStatement } from './session.js';

const COLUMNS =
  'tenant_id, client_id, key, method, url, body_hash, state, locked_until, response_status, response_headers, response_body, created_at, expires_at';

const INSERT: PgStatement = {
  name: 'idempotency.insert',
  text: `insert into idempotency_keys (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
};
const TRY_LOCK: PgStatement = {
  name: 'idempotency.tryLock',
  text: 'select pg_try_advisory_xact_lock($1::bigint) as locked',
};
const FIND: PgStatement = {
  name: 'idempotency.find',
  text: `select ${COLUMNS} from idempotency_keys where tenant_id = $1 and client_id = $2 and key = $3`,
};
// Compare-and-set on (state, locked_until, created_at): of two processes reclaiming the same
// abandoned or expired key, exactly one sees its update applied.
const REPLACE: PgStatement = {
  name: 'idempotency.replace',
  text: `update idempotency_keys set method = $7, url = $8, body_hash = $9, state = $10, locked_until = $11,
      response_status = null, response_headers = null, response_body = null, created_at = $12, expires_at = $13
    where tenant_id = $1 and client_id = $2 and key = $3 and state = $4 and locked_until = $5 and created_at = $6`,
};
const COMPLETE: PgStatement = {
  name: 'idempotency.complete',
  text: `update idempotency_keys set state = 'done', response_status = $5, response_headers = $6, response_body = $7
    where tenant_id = $1 and client_id = $2 and key = $3 and state = 'running' and created_at = $4`,
};
// Expiry of the keys of tenants whose clock was moved is judged by their own clock when used; the
// sweep, which knows only the server's time, leaves them until the tenant is reset or deleted.
const DELETE_EXPIRED: PgStatement = {
  name: 'idempotency.deleteExpired',
  text: `delete from idempotency_keys where expires_at <= $1 and tenant_id not in
      (select id from tenants where clock_offset_ms != 0 or clock_frozen_at is not null)`,
};

export function postgresIdempotencyStore(session: PgSession): IdempotencyStore {
  return {
    async insertIdempotencyClaim(record) {
      const r = map.fromIdempotencyRecord(record);
      await session.count(INSERT, [
        r.tenant_id,
        r.client_id,
        r.key,
        r.method,
        r.url,
        r.body_hash,
        r.state,
        r.locked_until,
        r.response_status,
        r.response_headers,
        r.response_body,
        r.created_at,
        r.expires_at,
      ]);
    },
    async lockIdempotencyKey(tenantId, clientId, key) {
      // 64 bits of the key's SHA-256: a collision costs a needless 409, which the client retries.
      const [row] = await session.rows<{ locked: boolean }>(TRY_LOCK, [
        advisoryLockId(`${tenantId}\0${clientId}\0${key}`),
      ]);
      return row?.locked === true;
    },
    async findIdempotencyRecord(tenantId, clientId, key) {
      const [row] = await session.rows<IdempotencyKeysTable>(FIND, [tenantId, clientId, key]);
      return row && map.toIdempotencyRecord(row);
    },
    async replaceIdempotencyClaim(previous, next) {
      const r = map.fromIdempotencyRecord(next);
      const updated = await session.count(REPLACE, [
        previous.tenantId,
        previous.clientId,
        previous.key,
        previous.state,
        previous.lockedUntil,
        previous.createdAt,
        r.method,
        r.url,
        r.body_hash,
        r.state,
        r.locked_until,
        r.created_at,
        r.expires_at,
      ]);
      return updated === 1;
    },
    async completeIdempotencyKey(tenantId, clientId, key, claimedAt, response) {
      const updated = await session.count(COMPLETE, [
        tenantId,
        clientId,
        key,
        claimedAt,
        response.status,
        JSON.stringify(response.headers),
        response.body,
      ]);
      return updated === 1;
    },
    deleteExpiredIdempotencyKeys: (now) => session.count(DELETE_EXPIRED, [now]),
  };
}
