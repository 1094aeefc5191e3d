import type { Clock } from './clock.js';
import { HOUR_MS } from './clock.js';
import { AppError } from './errors.js';
import {
  type IdempotencyRecord,
  type IdempotencyStore,
  type StoreOps,
  type Transactional,
  UniqueViolation,
} from './ports/index.js';
import { sha256Hex } from './secrets.js';

/** docs/CONTRACT.md §7: a first response is replayed for 24 hours, then the key is forgotten. */
export const IDEMPOTENCY_TTL_MS = 24 * HOUR_MS;
/**
 * How long a 'running' claim holds. A request takes milliseconds; a claim older than this belongs
 * to a process that died mid-request, and the key may be used again rather than answer 409 forever.
 */
export const IDEMPOTENCY_LEASE_MS = 30_000;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

export interface IdempotentRequest {
  tenantId: string;
  clientId: string;
  key: string;
  method: string;
  url: string;
  /** `requestFingerprint` of the request; stored in the record's `bodyHash` column. */
  fingerprint: string;
}

/** What makes two requests with one key the same request (docs/LIMITS.md, "Idempotency-Key"). */
export interface FingerprintParts {
  method: string;
  /** The path and query as sent: the route and its parameters. */
  url: string;
  /** The caller: tenant, OAuth client and user. */
  tenantId: string;
  clientId: string;
  userId: string;
  /** The acting entity (Zuora-Entity-Ids, or the token's one entity). */
  entityId: string;
  /** The Zuora-Version the request is answered under (the header, else the tenant's default). */
  apiVersion: string;
  /** The parsed body; left out when body matching is off. */
  body?: unknown;
}

/**
 * JSON with object keys sorted at every depth, so `{"a":1,"b":2}` and `{"b":2,"a":1}` (or either
 * gzipped, or spaced) are one body. Arrays keep their order: it is part of their meaning.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** One hash of everything that makes a request what it is; any difference on reuse of a key is 422. */
export function requestFingerprint(parts: FingerprintParts): string {
  return sha256Hex(
    canonicalJson([
      parts.method,
      parts.url,
      parts.tenantId,
      parts.clientId,
      parts.userId,
      parts.entityId,
      parts.apiVersion,
      'body' in parts ? (parts.body ?? null) : { bodyIgnored: true },
    ]),
  );
}

export type IdempotencyDecision = 'claim' | 'reclaim' | 'replay' | 'in-flight' | 'mismatch';

/**
 * The pure decision for a request carrying a key, given what is stored for it. The body counts
 * unless the service was told to ignore it (`matchBody: false`, then left out of the fingerprint).
 */
export function decideIdempotency(
  existing: IdempotencyRecord | undefined,
  request: IdempotentRequest,
  now: number,
): IdempotencyDecision {
  if (!existing) return 'claim';
  if (existing.expiresAt <= now) return 'reclaim';
  const sameRequest =
    existing.method === request.method &&
    existing.url === request.url &&
    existing.bodyHash === request.fingerprint;
  if (!sameRequest) return 'mismatch';
  if (existing.state === 'running') return existing.lockedUntil > now ? 'in-flight' : 'reclaim';
  return 'replay';
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What `run` answers: the response of the request it ran, or the stored one of an earlier request. */
export type RunResult =
  | { kind: 'ran'; response: StoredResponse }
  | { kind: 'replay'; response: StoredResponse };

export interface IdempotencyDeps {
  store: Transactional & Pick<IdempotencyStore, 'findIdempotencyRecord' | 'deleteExpiredIdempotencyKeys'>;
  clock: Clock;
  matchBody?: boolean;
}

type IdempotencyTx = Pick<
  IdempotencyStore,
  | 'findIdempotencyRecord'
  | 'insertIdempotencyClaim'
  | 'replaceIdempotencyClaim'
  | 'completeIdempotencyKey'
  | 'lockIdempotencyKey'
>;

export function createIdempotencyService({ store, clock, matchBody = true }: IdempotencyDeps) {
  const running = new Set<string>();

  function record(
    request: IdempotentRequest,
    now: number,
    response: StoredResponse | null,
  ): IdempotencyRecord {
    const { fingerprint, ...rest } = request;
    return {
      ...rest,
      bodyHash: fingerprint,
      state: response ? 'done' : 'running',
      lockedUntil: now + IDEMPOTENCY_LEASE_MS,
      responseStatus: response?.status ?? null,
      responseHeaders: response?.headers ?? null,
      responseBody: response?.body ?? null,
      createdAt: now,
      expiresAt: now + IDEMPOTENCY_TTL_MS,
    };
  }

  type Free = { decision: 'claim' | 'reclaim'; existing: IdempotencyRecord | undefined };

  /**
   * Takes the key for this transaction, which the stored record said is free (never used,
   * expired, or abandoned by a process that died). Another transaction running the key right now
   * (another instance's, on PostgreSQL) is the first request still running: 409 at once, rather
   * than waiting for it on the key's index.
   */
  async function lock(tx: IdempotencyTx, request: IdempotentRequest): Promise<void> {
    if (!(await tx.lockIdempotencyKey(request.tenantId, request.clientId, request.key))) {
      throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT');
    }
  }

  /**
   * Writes `response` as the key's first response, in `tx`. The key's unique index, and for a
   * reclaim the compare-and-set on the record seen, make sure it was still free: if another
   * request stored it meanwhile, that one is the key's first request, and this one is 409.
   */
  async function storeResponse(
    tx: IdempotencyTx,
    request: IdempotentRequest,
    now: number,
    free: Free,
    response: StoredResponse,
  ): Promise<void> {
    if (free.decision === 'claim' || !free.existing) {
      try {
        await tx.insertIdempotencyClaim(record(request, now, response));
      } catch (error) {
        if (error instanceof UniqueViolation) throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT');
        throw error;
      }
      return;
    }
    const claimed =
      (await tx.replaceIdempotencyClaim(free.existing, record(request, now, null))) &&
      (await tx.completeIdempotencyKey(request.tenantId, request.clientId, request.key, now, response));
    if (!claimed) throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT');
  }

  /** What is stored under the request's key, and what that means for the request now. */
  async function lookUp(
    reader: Pick<IdempotencyStore, 'findIdempotencyRecord'>,
    request: IdempotentRequest,
    now: number,
  ): Promise<{ existing: IdempotencyRecord | undefined; decision: IdempotencyDecision }> {
    const existing = await reader.findIdempotencyRecord(request.tenantId, request.clientId, request.key);
    return { existing, decision: decideIdempotency(existing, request, now) };
  }

  /** The stored response to replay; throws for a key in flight or used for another request. */
  function answerFor(
    decision: 'replay' | 'in-flight' | 'mismatch',
    existing: IdempotencyRecord | undefined,
  ): StoredResponse {
    if (decision === 'in-flight') throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT');
    if (decision === 'mismatch') throw new AppError('IDEMPOTENCY_KEY_REUSED');
    return {
      status: existing?.responseStatus ?? 200,
      headers: existing?.responseHeaders ?? {},
      body: existing?.responseBody ?? '',
    };
  }

  function checkKey(request: IdempotentRequest): void {
    if (request.key.length === 0 || request.key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
      throw new AppError('IDEMPOTENCY_KEY_INVALID');
    }
  }

  return {
    /** The request's fingerprint; without its body when body matching is off. */
    fingerprint(parts: FingerprintParts): string {
      if (matchBody) return requestFingerprint(parts);
      const { body: _ignored, ...withoutBody } = parts;
      return requestFingerprint(withoutBody);
    },

    /**
     * Runs a request under its key, in one transaction: `work` runs (given the transaction, which
     * the domain service it calls joins: StoreOps.transaction) and answers the response as it will
     * be sent, and that response is stored as the key's before the commit. So the operation's
     * writes and its stored response land together or not at all, and what a client is
     * acknowledged is what a retry gets. A finished key is replayed without running `work`; 409
     * while another request runs the key, 422 when it was used for another request.
     *
     * When `work` throws, everything rolls back, the key included, and the error goes up; the
     * caller stores the error response it then answers with `fail` (errors are the rare path).
     */
    async run(
      request: IdempotentRequest,
      work: (tx: StoreOps) => Promise<StoredResponse>,
    ): Promise<RunResult> {
      checkKey(request);
      const now = clock.now();
      // Read before the transaction: a retry of a finished key (a stored response never changes
      // until it expires), a 409 or a 422 is answered from this one read, without a transaction.
      const { existing, decision } = await lookUp(store, request, now);
      if (decision !== 'claim' && decision !== 'reclaim') {
        return { kind: 'replay', response: answerFor(decision, existing) };
      }
      // This process's requests running a key, so that a second one is 409 at once rather than
      // running its work only to find the key taken when it stores the response (SQLite's one
      // connection would run it after the first's commit). Other instances: lockIdempotencyKey.
      const id = `${request.tenantId}\0${request.clientId}\0${request.key}`;
      if (running.has(id)) throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT');
      running.add(id);
      try {
        return await store.transaction(async (tx) => {
          await lock(tx, request);
          const response = await work(tx);
          await storeResponse(tx, request, now, { decision, existing }, response);
          return { kind: 'ran', response };
        });
      } catch (error) {
        // Another request (another instance's) may have stored the key between the read above and
        // this transaction, and this one then failed on what it wrote (the connection it made, the
        // key itself): the key's first response is that one's, and this request is its retry.
        const after = await lookUp(store, request, clock.now());
        if (after.decision === 'claim' || after.decision === 'reclaim') throw error;
        return { kind: 'replay', response: answerFor(after.decision, after.existing) };
      } finally {
        running.delete(id);
      }
    },

    /**
     * Stores the error response of a request whose `run` failed in `work`, in a transaction of
     * its own. The key was free when `run` began and its writes rolled back; should another
     * request have taken it since, that one is the key's first request and this one answers 409
     * (or 422 if it was another request), so that what a client is answered is never a response a
     * retry would not get.
     */
    async fail(request: IdempotentRequest, response: StoredResponse): Promise<void> {
      checkKey(request);
      await store.transaction(async (tx) => {
        const now = clock.now();
        const { existing, decision } = await lookUp(tx, request, now);
        if (decision !== 'claim' && decision !== 'reclaim') {
          if (decision === 'mismatch') throw new AppError('IDEMPOTENCY_KEY_REUSED');
          throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT');
        }
        await lock(tx, request);
        await storeResponse(tx, request, now, { decision, existing }, response);
      });
    },

    /** Removes keys older than 24 hours; run periodically. */
    sweep(): Promise<number> {
      return store.deleteExpiredIdempotencyKeys(clock.now());
    },
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
