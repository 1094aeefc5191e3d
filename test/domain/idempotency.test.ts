import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Clock } from '../../src/domain/clock.js';
import {
  createIdempotencyService,
  decideIdempotency,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  type IdempotencyClaim,
  type IdempotencyService,
  type IdempotentRequest,
} from '../../src/domain/idempotency.js';
import type { IdempotencyRecord } from '../../src/storage/store.js';
import { type TestDatabase, testDatabases } from '../helpers/databases.js';

/** A clock the test moves by hand; kept here so these domain tests need no app wiring. */
function manualClock(start = Date.UTC(2026, 10, 30, 12)): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

const request: IdempotentRequest = {
  tenantId: '6398',
  clientId: '11111111-1111-4111-8111-111111111111',
  key: 'key-1',
  method: 'POST',
  url: '/v1/entity-connections',
  bodyHash: 'a'.repeat(64),
};
const now = Date.UTC(2026, 10, 30, 12);

function record(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    ...request,
    state: 'done',
    lockedUntil: now - 1000,
    responseStatus: 200,
    responseHeaders: { 'content-type': 'application/json' },
    responseBody: '{"success":true}',
    createdAt: now - 2000,
    expiresAt: now - 2000 + IDEMPOTENCY_TTL_MS,
    ...overrides,
  };
}

describe('decideIdempotency', () => {
  it('claims a key nothing is stored for', () => {
    assert.equal(decideIdempotency(undefined, request, now), 'claim');
  });
  it('reclaims an expired key, even one stored for another request', () => {
    assert.equal(decideIdempotency(record({ expiresAt: now }), request, now), 'reclaim');
    assert.equal(decideIdempotency(record({ expiresAt: now - 1, url: '/other' }), request, now), 'reclaim');
  });
  it('answers in-flight while a running claim is within its lease', () => {
    const running = record({ state: 'running', lockedUntil: now + 1, responseStatus: null });
    assert.equal(decideIdempotency(running, request, now), 'in-flight');
  });
  it('reclaims a running claim past its lease: its process died', () => {
    assert.equal(decideIdempotency(record({ state: 'running', lockedUntil: now }), request, now), 'reclaim');
  });
  it('replays a finished response to the same request', () => {
    assert.equal(decideIdempotency(record(), request, now), 'replay');
  });
  it('answers mismatch for another URL', () => {
    assert.equal(decideIdempotency(record({ url: '/v1/entities' }), request, now), 'mismatch');
  });
  it('answers mismatch for another method', () => {
    assert.equal(decideIdempotency(record({ method: 'PATCH' }), request, now), 'mismatch');
  });
  it('answers mismatch for another body', () => {
    assert.equal(decideIdempotency(record({ bodyHash: 'b'.repeat(64) }), request, now), 'mismatch');
  });
  it('answers mismatch for another body even while the first is running', () => {
    const running = record({ state: 'running', lockedUntil: now + 1, bodyHash: 'b'.repeat(64) });
    assert.equal(decideIdempotency(running, request, now), 'mismatch');
  });
  it('replays despite another body when matchBody is false', () => {
    const other = record({ bodyHash: 'b'.repeat(64) });
    assert.equal(decideIdempotency(other, request, now, { matchBody: false }), 'replay');
  });
  it('still answers mismatch for another URL when matchBody is false', () => {
    const other = record({ url: '/other', bodyHash: 'b'.repeat(64) });
    assert.equal(decideIdempotency(other, request, now, { matchBody: false }), 'mismatch');
  });
});

async function setup(t: TestContext, database: TestDatabase, options: { matchBody?: boolean } = {}) {
  const store = await database.openStore();
  t.after(() => store.close());
  const clock = manualClock(now);
  const service = createIdempotencyService({ store, clock, ...options });
  return { store, clock, service };
}

const response = { status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' };

/** Begins a request that must proceed, and answers its claim. */
async function claimed(service: IdempotencyService, req: IdempotentRequest): Promise<IdempotencyClaim> {
  const result = await service.begin(req);
  assert.equal(result.kind, 'proceed');
  return result.claim;
}

async function assertAppError(promise: Promise<unknown>, code: string, status: number) {
  await assert.rejects(promise, (error: { code?: string; spec?: { status: number } }) => {
    assert.equal(error.code, code);
    assert.equal(error.spec?.status, status);
    return true;
  });
}

for (const database of testDatabases) {
  describe(`idempotency service on ${database.name}`, () => {
    it('lets the first request with a key proceed and stores a running claim', async (t) => {
      const { store, service } = await setup(t, database);
      assert.equal((await service.begin(request)).kind, 'proceed');
      const stored = await store.findIdempotencyRecord(request.tenantId, request.clientId, request.key);
      assert.equal(stored?.state, 'running');
      assert.equal(stored?.lockedUntil, now + IDEMPOTENCY_LEASE_MS);
      assert.equal(stored?.expiresAt, now + IDEMPOTENCY_TTL_MS);
    });

    it('replays the stored response to a retry', async (t) => {
      const { service, clock } = await setup(t, database);
      await service.complete(await claimed(service, request), response);
      clock.advance(IDEMPOTENCY_TTL_MS - 1);
      assert.deepEqual(await service.begin(request), { kind: 'replay', response });
    });

    it('answers 409 to a retry while the first request is running', async (t) => {
      const { service, clock } = await setup(t, database);
      await service.begin(request);
      clock.advance(IDEMPOTENCY_LEASE_MS - 1);
      await assertAppError(service.begin(request), 'IDEMPOTENCY_KEY_IN_FLIGHT', 409);
    });

    for (const [what, change] of [
      ['URL', { url: '/v1/entities' }],
      ['method', { method: 'PATCH' }],
      ['body', { bodyHash: 'c'.repeat(64) }],
    ] as const) {
      it(`answers 422 to the same key with another ${what}`, async (t) => {
        const { service } = await setup(t, database);
        await service.complete(await claimed(service, request), response);
        await assertAppError(service.begin({ ...request, ...change }), 'IDEMPOTENCY_KEY_REUSED', 422);
      });
    }

    it('replays despite another body when body matching is off', async (t) => {
      const { service } = await setup(t, database, { matchBody: false });
      await service.complete(await claimed(service, request), response);
      assert.deepEqual(await service.begin({ ...request, bodyHash: 'c'.repeat(64) }), {
        kind: 'replay',
        response,
      });
    });

    it('keeps keys apart by tenant and by client', async (t) => {
      const { service } = await setup(t, database);
      await service.begin(request);
      assert.equal((await service.begin({ ...request, clientId: 'other-client' })).kind, 'proceed');
      assert.equal((await service.begin({ ...request, tenantId: '7001' })).kind, 'proceed');
    });

    it('forgets a key after 24 hours: the same key then proceeds as new, even for another request', async (t) => {
      const { store, service, clock } = await setup(t, database);
      await service.complete(await claimed(service, request), response);
      clock.advance(IDEMPOTENCY_TTL_MS);
      const other = { ...request, url: '/v1/entities', bodyHash: 'd'.repeat(64) };
      assert.equal((await service.begin(other)).kind, 'proceed');
      const stored = await store.findIdempotencyRecord(request.tenantId, request.clientId, request.key);
      assert.equal(stored?.state, 'running');
      assert.equal(stored?.url, '/v1/entities');
      assert.equal(stored?.responseBody, null);
    });

    it('lets a retry reclaim a running claim once its 30 s lease is over', async (t) => {
      const { service, clock } = await setup(t, database);
      await service.begin(request);
      clock.advance(IDEMPOTENCY_LEASE_MS);
      assert.equal((await service.begin(request)).kind, 'proceed');
      // The new claim holds a fresh lease.
      clock.advance(IDEMPOTENCY_LEASE_MS - 1);
      await assertAppError(service.begin(request), 'IDEMPOTENCY_KEY_IN_FLIGHT', 409);
    });

    it('keeps the response of the request that took over a key whose lease ran out', async (t) => {
      const { service, clock } = await setup(t, database);
      const late = await claimed(service, request);
      clock.advance(IDEMPOTENCY_LEASE_MS);
      const takeover = await claimed(service, request);
      assert.equal(await service.complete(takeover, response), true);
      // The first request finishes at last: its response must not replace the one retries get.
      assert.equal(await service.complete(late, { status: 400, headers: {}, body: '{"late":true}' }), false);
      await service.release(late);
      assert.deepEqual(await service.begin(request), { kind: 'replay', response });
    });

    it('gives a released key back: the next request proceeds', async (t) => {
      const { service } = await setup(t, database);
      await service.release(await claimed(service, request));
      assert.equal((await service.begin(request)).kind, 'proceed');
    });

    it('does not release a finished key', async (t) => {
      const { service } = await setup(t, database);
      const claim = await claimed(service, request);
      await service.complete(claim, response);
      await service.release(claim);
      assert.deepEqual(await service.begin(request), { kind: 'replay', response });
    });

    it('sweeps expired keys and keeps the others', async (t) => {
      const { store, service, clock } = await setup(t, database);
      await service.complete(await claimed(service, request), response);
      clock.advance(IDEMPOTENCY_TTL_MS / 2);
      const younger = { ...request, key: 'key-2' };
      await service.begin(younger);
      clock.advance(IDEMPOTENCY_TTL_MS / 2);
      assert.equal(await service.sweep(), 1);
      assert.equal(
        await store.findIdempotencyRecord(request.tenantId, request.clientId, request.key),
        undefined,
      );
      assert.ok(await store.findIdempotencyRecord(request.tenantId, request.clientId, 'key-2'));
      assert.equal(await service.sweep(), 0);
    });

    it('lets exactly one of two concurrent requests with the same key proceed; the other gets 409', async (t) => {
      const { service } = await setup(t, database);
      const results = await Promise.allSettled([service.begin(request), service.begin(request)]);
      const proceeded = results.filter((r) => r.status === 'fulfilled' && r.value.kind === 'proceed');
      const rejected = results.filter((r) => r.status === 'rejected');
      assert.equal(proceeded.length, 1);
      assert.equal(rejected.length, 1);
      assert.equal((rejected[0] as PromiseRejectedResult).reason.code, 'IDEMPOTENCY_KEY_IN_FLIGHT');
    });

    it('lets exactly one of five concurrent requests with the same key proceed', async (t) => {
      const { service } = await setup(t, database);
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => service.begin(request)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) {
        if (r.status === 'rejected') assert.equal(r.reason.code, 'IDEMPOTENCY_KEY_IN_FLIGHT');
      }
    });

    it('lets exactly one of two concurrent reclaims of an abandoned key proceed', async (t) => {
      const { service, clock } = await setup(t, database);
      await service.begin(request);
      clock.advance(IDEMPOTENCY_LEASE_MS + 1);
      const results = await Promise.allSettled([service.begin(request), service.begin(request)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });

    for (const key of ['', 'k'.repeat(256)]) {
      it(`refuses a key of ${key.length} characters with 400`, async (t) => {
        const { service } = await setup(t, database);
        await assertAppError(service.begin({ ...request, key }), 'IDEMPOTENCY_KEY_INVALID', 400);
      });
    }
    it('accepts a key of 255 characters', async (t) => {
      const { service } = await setup(t, database);
      assert.equal((await service.begin({ ...request, key: 'k'.repeat(255) })).kind, 'proceed');
    });
  });
}
