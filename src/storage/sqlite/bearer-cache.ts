import type { BearerRecord } from '../store.js';

/**
 * Tables whose rows no bearer lookup reads. A write to any other table (or one this cannot name)
 * forgets every cached bearer. None of these is a parent of a table the lookup reads, so their
 * deletes cascade into nothing it reads.
 */
const TABLES_BEARERS_DO_NOT_READ = new Set([
  'entity_connections',
  'idempotency_keys',
  'audit_events',
  'tenant_limits',
  'rate_limit_counters',
  'fault_rules',
]);

const WRITTEN_TABLE =
  /^\s*(?:insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+"?([A-Za-z_]\w*)"?/i;

/** A plain insert of a new token: it adds a row no kept lookup read (only found tokens are kept). */
const NEW_TOKEN = /^\s*insert\s+into\s+"?access_tokens"?\s/i;

/**
 * Whether a statement that writes may change what `findBearer` answers: true unless it writes only
 * a table named above, or inserts a new token (not an upsert, which could change a kept one).
 */
export function mayChangeBearers(sql: string): boolean {
  if (NEW_TOKEN.test(sql) && !/\bon\s+conflict\b/i.test(sql)) return false;
  const table = WRITTEN_TABLE.exec(sql)?.[1];
  return table === undefined || !TABLES_BEARERS_DO_NOT_READ.has(table.toLowerCase());
}

/** Bearers kept at most; past it, the oldest is forgotten first. */
const MAX_ENTRIES = 10_000;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * `findBearer`'s answers, kept only while the database is provably what they were read from: every
 * write of this connection to a table the lookup reads forgets them all (`invalidate`, called as the
 * statement is prepared, before it runs), and so does a commit by any other connection to the file
 * (another server or `multientity` command), which SQLite's `data_version` shows. So a deactivated
 * user, a revoked client, a reset tenant or a moved clock still counts from the very next request.
 * Expiry is still judged on every request, from the token's time and the tenant's clock.
 *
 * Only tokens that were found are kept (an unknown token is rare, and must not crowd out real ones).
 * The records are frozen: callers share them.
 */
export function createBearerCache(dataVersion: () => number) {
  const entries = new Map<string, BearerRecord>();
  /** Counts invalidations, so that a read that raced a write is not kept. */
  let generation = 0;
  let version = dataVersion();

  function invalidate(): void {
    generation++;
    entries.clear();
  }

  return {
    invalidate,
    async find(
      tokenHash: string,
      entityId: string | undefined,
      read: () => Promise<BearerRecord | undefined>,
    ): Promise<BearerRecord | undefined> {
      const current = dataVersion();
      if (current !== version) {
        version = current;
        invalidate();
      }
      const key = entityId === undefined ? tokenHash : `${tokenHash} ${entityId}`;
      const kept = entries.get(key);
      if (kept !== undefined) return kept;
      const before = generation;
      const found = await read();
      // Written meanwhile, here or by another connection: what was read may already be old.
      if (found === undefined || generation !== before || dataVersion() !== version) return found;
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      entries.set(key, deepFreeze(found));
      return found;
    },
  };
}
