import type { LimitStore } from '../../domain/ports/index.js';
import * as map from '../row-mappers.js';
import type { RateLimitCountersTable } from '../schema.js';
import type { PgSession, PgStatement } from './session.js';

type CounterRow = Pick<RateLimitCountersTable, 'scope' | 'window_start' | 'hits'>;

const FIND: PgStatement = {
  name: 'limits.find',
  text: 'select settings from tenant_limits where tenant_id = $1',
};
const SET: PgStatement = {
  name: 'limits.set',
  text: `insert into tenant_limits (tenant_id, settings, updated_at) values ($1, $2, $3)
         on conflict (tenant_id) do update set settings = excluded.settings, updated_at = excluded.updated_at`,
};
/** One upsert for all windows: one round trip, and each row's increment is atomic, so instances share the count. */
const INCREMENT: PgStatement = {
  name: 'limits.incrementRateCounters',
  text: `insert into rate_limit_counters (scope, window_start, hits, expires_at)
         select scope, window_start, 1, expires_at
         from unnest($1::text[], $2::bigint[], $3::bigint[]) as counter(scope, window_start, expires_at)
         on conflict (scope, window_start) do update set hits = rate_limit_counters.hits + 1
         returning scope, window_start, hits`,
};
const DELETE_EXPIRED: PgStatement = {
  name: 'limits.deleteExpiredRateCounters',
  text: 'delete from rate_limit_counters where expires_at <= $1',
};

/** Limit settings and rate counters on PostgreSQL, through `session`. */
export function postgresLimitStore(session: PgSession): LimitStore {
  return {
    async findTenantLimits(tenantId) {
      const [row] = await session.rows<{ settings: string }>(FIND, [tenantId]);
      return row && JSON.parse(row.settings);
    },
    async setTenantLimits(tenantId, settings, now) {
      await session.count(SET, [tenantId, JSON.stringify(settings), now]);
    },
    async incrementRateCounters(counters) {
      if (counters.length === 0) return [];
      const rows = await session.rows<CounterRow>(INCREMENT, [
        counters.map((c) => c.scope),
        counters.map((c) => c.windowStart),
        counters.map((c) => c.expiresAt),
      ]);
      return map.toCountsInOrder(counters, rows);
    },
    async deleteExpiredRateCounters(now) {
      return session.count(DELETE_EXPIRED, [now]);
    },
  };
}
