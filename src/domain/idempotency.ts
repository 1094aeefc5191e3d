import { type IdempotencyRecord, type Store, UniqueViolation } from '../storage/store.js';
import type { Clock } from './clock.js';
import { HOUR_MS } from './clock.js';
import { AppError } from './errors.js';

/** REFERENCE.md §7: a first response is replayed for 24 hours, then the key is forgotten. */
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
  bodyHash: string;
}

export type IdempotencyDecision = 'claim' | 'reclaim' | 'replay' | 'in-flight' | 'mismatch';

/**
 * The pure decision for a request carrying a key, given what is stored for it. `matchBody: false`
 * is the setting that replays a stored response even when the body differs.
 */
export function decideIdempotency(
  existing: IdempotencyRecord | undefined,
  request: IdempotentRequest,
  now: number,
  options: { matchBody: boolean } = { matchBody: true },
): IdempotencyDecision {
  if (!existing) return 'claim';
  if (existing.expiresAt <= now) return 'reclaim';
  const sameRequest =
    existing.method === request.method &&
    existing.url === request.url &&
    (!options.matchBody || existing.bodyHash === request.bodyHash);
  if (!sameRequest) return 'mismatch';
  if (existing.state === 'running') return existing.lockedUntil > now ? 'in-flight' : 'reclaim';
  return 'replay';
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A key held by one request: the claim made at `claimedAt`, which only that request may complete. */
export interface IdempotencyClaim extends IdempotentRequest {
  claimedAt: number;
}

export type BeginResult =
  | { kind: 'proceed'; claim: IdempotencyClaim }
  | { kind: 'replay'; response: StoredResponse };

export interface IdempotencyDeps {
  store: Pick<
    Store,
    | 'findIdempotencyRecord'
    | 'insertIdempotencyClaim'
    | 'replaceIdempotencyClaim'
    | 'completeIdempotencyKey'
    | 'releaseIdempotencyClaim'
    | 'deleteExpiredIdempotencyKeys'
  >;
  clock: Clock;
  matchBody?: boolean;
}

export function createIdempotencyService({ store, clock, matchBody = true }: IdempotencyDeps) {
  function newClaim(request: IdempotentRequest, now: number): IdempotencyRecord {
    return {
      ...request,
      state: 'running',
      lockedUntil: now + IDEMPOTENCY_LEASE_MS,
      responseStatus: null,
      responseHeaders: null,
      responseBody: null,
      createdAt: now,
      expiresAt: now + IDEMPOTENCY_TTL_MS,
    };
  }

  return {
    /**
     * Claims the key for this request, or answers the stored response to replay. Throws 409 while
     * the first request is in flight and 422 when the key was used for another request. The claim
     * is an insert under the key's primary key, so of two requests racing exactly one proceeds.
     */
    async begin(request: IdempotentRequest): Promise<BeginResult> {
      if (request.key.length === 0 || request.key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
        throw new AppError('IDEMPOTENCY_KEY_INVALID');
      }
      // Two rounds at most: a lost race re-reads what the winner stored.
      for (let round = 0; round < 2; round++) {
        const now = clock.now();
        const existing = await store.findIdempotencyRecord(request.tenantId, request.clientId, request.key);
        const decision = decideIdempotency(existing, request, now, { matchBody });
        switch (decision) {
          case 'claim':
            try {
              await store.insertIdempotencyClaim(newClaim(request, now));
              return { kind: 'proceed', claim: { ...request, claimedAt: now } };
            } catch (error) {
              if (error instanceof UniqueViolation) continue;
              throw error;
            }
          case 'reclaim':
            if (existing && (await store.replaceIdempotencyClaim(existing, newClaim(request, now)))) {
              return { kind: 'proceed', claim: { ...request, claimedAt: now } };
            }
            continue;
          case 'replay':
            return {
              kind: 'replay',
              response: {
                status: existing?.responseStatus ?? 200,
                headers: existing?.responseHeaders ?? {},
                body: existing?.responseBody ?? '',
              },
            };
          case 'in-flight':
            throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT');
          case 'mismatch':
            throw new AppError('IDEMPOTENCY_KEY_REUSED');
        }
      }
      throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT');
    },

    /**
     * Stores the first response; it is acknowledged only after this has committed. Answers false
     * when the claim had been taken over (the request outlived its lease): the response of the
     * request that took the key over is the one a retry will get, and it is not overwritten.
     */
    complete(claim: IdempotencyClaim, response: StoredResponse): Promise<boolean> {
      return store.completeIdempotencyKey(
        claim.tenantId,
        claim.clientId,
        claim.key,
        claim.claimedAt,
        response,
      );
    },

    /** Gives the key back when no response could be stored (the request failed before answering). */
    release(claim: IdempotencyClaim): Promise<void> {
      return store.releaseIdempotencyClaim(claim.tenantId, claim.clientId, claim.key, claim.claimedAt);
    },

    /** Removes keys older than 24 hours; run periodically. */
    sweep(): Promise<number> {
      return store.deleteExpiredIdempotencyKeys(clock.now());
    },
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
