/** A stored first response to an Idempotency-Key. */
export interface IdempotencyRecord {
  tenantId: string;
  clientId: string;
  key: string;
  method: string;
  url: string;
  /**
   * SHA-256 of the request's parsed body, serialized again (JSON.stringify): two bodies that parse
   * to the same value in the same key order match, whatever their whitespace or encoding.
   */
  bodyHash: string;
  /** 'running' while the first request is in flight; 'done' once its response is stored. */
  state: 'running' | 'done';
  /** Until when a 'running' claim holds; past it, the claim was abandoned (its process died). */
  lockedUntil: number;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  createdAt: number;
  expiresAt: number;
}

/** Idempotency keys and their stored responses. */
export interface IdempotencyStore {
  /** Inserts a claim, 'running' or already 'done'; throws UniqueViolation when the key is already held. */
  insertIdempotencyClaim(record: IdempotencyRecord): Promise<void>;
  /**
   * Locks the key until the end of the current transaction, if no other transaction holds it;
   * false if one does. PostgreSQL: a transaction-level advisory lock on a 64-bit hash of the key,
   * so that a request meeting a key another instance is running answers 409 instead of waiting
   * for it on the key's index. SQLite: always true, the one connection holding no other
   * transaction open meanwhile.
   */
  lockIdempotencyKey(tenantId: string, clientId: string, key: string): Promise<boolean>;
  findIdempotencyRecord(
    tenantId: string,
    clientId: string,
    key: string,
  ): Promise<IdempotencyRecord | undefined>;
  /** Replaces an expired or abandoned record with a fresh claim, if it is still the one seen. */
  replaceIdempotencyClaim(previous: IdempotencyRecord, next: IdempotencyRecord): Promise<boolean>;
  /**
   * Stores the response of the claim made at `claimedAt`; false when that claim is no longer the
   * key's (its lease ran out and another request took the key over), so nothing is overwritten.
   */
  completeIdempotencyKey(
    tenantId: string,
    clientId: string,
    key: string,
    claimedAt: number,
    response: { status: number; headers: Record<string, string>; body: string },
  ): Promise<boolean>;
  deleteExpiredIdempotencyKeys(now: number): Promise<number>;
}
