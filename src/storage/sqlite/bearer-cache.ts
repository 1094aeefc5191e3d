import type { BearerRecord } from '../../domain/ports/index.js';

/**
 * Writes that cannot change a kept lookup, by table: any write to a table no lookup reads (none of
 * them is a parent of a table the lookup reads, so their deletes cascade into nothing it reads), and
 * a plain insert of a token, a row no kept lookup read (only found tokens are kept). Any other write,
 * or one whose table this cannot name, forgets every kept bearer.
 */
const KEEPING_WRITES: Record<string, 'any' | 'plain insert'> = {
  entity_connections: 'any',
  idempotency_keys: 'any',
  audit_events: 'any',
  tenant_limits: 'any',
  rate_limit_counters: 'any',
  fault_rules: 'any',
  access_tokens: 'plain insert',
};

const WRITE =
  /^\s*(insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+"?([A-Za-z_]\w*)"?/i;

/** Whether a statement that writes may change what `findBearer` answers (KEEPING_WRITES). */
export function mayChangeBearers(sql: string): boolean {
  const [, operation = '', table = ''] = WRITE.exec(sql) ?? [];
  const keeping = KEEPING_WRITES[table.toLowerCase()];
  if (keeping === 'any') return false;
  // Not `insert or replace`, nor an upsert: either could change a kept token's row.
  if (keeping === 'plain insert')
    return !/^insert\s+into$/i.test(operation) || /\bon\s+conflict\b/i.test(sql);
  return true;
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
