import type SqliteDatabase from 'better-sqlite3';
import type { LimitStore } from '../../domain/ports/index.js';
import * as map from '../row-mappers.js';
import type { RateLimitCountersTable } from '../schema.js';

type CounterRow = Pick<RateLimitCountersTable, 'scope' | 'window_start' | 'hits'>;

/** Limit settings and rate counters on SQLite. */
export function sqliteLimitStore(db: SqliteDatabase.Database): LimitStore {
  const findLimits = db.prepare<[string], { settings: string }>(
    'select settings from tenant_limits where tenant_id = ?',
  );
  const setLimits = db.prepare<[string, string, number]>(
    `insert into tenant_limits (tenant_id, settings, updated_at) values (?, ?, ?)
     on conflict (tenant_id) do update set settings = excluded.settings, updated_at = excluded.updated_at`,
  );
  // The counters as one JSON array: one upsert for all windows. `where true` tells SQLite's parser
  // that the ON CONFLICT belongs to the insert, not to a join of the select.
  const increment = db.prepare<[string], CounterRow>(
    `insert into rate_limit_counters (scope, window_start, hits, expires_at)
     select json_extract(value, '$.scope'), json_extract(value, '$.windowStart'), 1, json_extract(value, '$.expiresAt')
     from json_each(?) where true
     on conflict (scope, window_start) do update set hits = hits + 1
     returning scope, window_start, hits`,
  );
  const deleteExpired = db.prepare<[number]>('delete from rate_limit_counters where expires_at <= ?');

  return {
    async findTenantLimits(tenantId) {
      const row = findLimits.get(tenantId);
      return row && JSON.parse(row.settings);
    },
    async setTenantLimits(tenantId, settings, now) {
      setLimits.run(tenantId, JSON.stringify(settings), now);
    },
    async incrementRateCounters(counters) {
      if (counters.length === 0) return [];
      return map.toCountsInOrder(counters, increment.all(JSON.stringify(counters)));
    },
    async deleteExpiredRateCounters(now) {
      return deleteExpired.run(now).changes;
    },
  };
}
