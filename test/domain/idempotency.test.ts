import assert from 'node:assert/strict';
import type { Clock } from '../../src/domain/clock.js';
import {
  canonicalJson,
  createIdempotencyService,
  decideIdempotency,
  type FingerprintParts,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  type IdempotentRequest,
  requestFingerprint,
} from '../../src/domain/idempotency.js';
import type { IdempotencyRecord } from '../../src/domain/ports/index.js';
import { type TestDatabase, testDatabases } from '../helpers/databases.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

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
  fingerprint: 'a'.repeat(64),
};
const { fingerprint: storedFingerprint, ...requestColumns } = request;
const now = Date.UTC(2026, 10, 30, 12);

function record(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    ...requestColumns,
    bodyHash: storedFingerprint,
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
  it('answers mismatch for another fingerprint', () => {
    assert.equal(decideIdempotency(record({ bodyHash: 'b'.repeat(64) }), request, now), 'mismatch');
  });
  it('answers mismatch for another body even while the first is running', () => {
    const running = record({ state: 'running', lockedUntil: now + 1, bodyHash: 'b'.repeat(64) });
    assert.equal(decideIdempotency(running, request, now), 'mismatch');
  });
});

describe('requestFingerprint', { timeout: 10_000 }, () => {
  const parts: FingerprintParts = {
    method: 'POST',
    url: '/v1/entity-connections',
    tenantId: '6398',
    clientId: 'c1',
    userId: 'u1',
    entityId: 'e'.repeat(32),
    apiVersion: '2024-05-20',
    body: { a: 1, b: { c: [1, 2], d: 'x' } },
  };
  it('is the same for the same body with its keys in another order, at any depth', () => {
    assert.equal(
      requestFingerprint(parts),
      requestFingerprint({ ...parts, body: { b: { d: 'x', c: [1, 2] }, a: 1 } }),
    );
    assert.equal(canonicalJson({ b: 2, a: 1 }), '{"a":1,"b":2}');
  });
  for (const [what, change] of [
    ['method', { method: 'PUT' }],
    ['URL', { url: '/v1/entity-connections?x=1' }],
    ['tenant', { tenantId: '7001' }],
    ['client', { clientId: 'c2' }],
    ['user', { userId: 'u2' }],
    ['acting entity', { entityId: 'f'.repeat(32) }],
    ['Zuora-Version', { apiVersion: '211.0' }],
    ['body', { body: { a: 1, b: { c: [2, 1], d: 'x' } } }],
    ['body left out', { body: undefined }],
  ] as const) {
    it(`differs for another ${what}`, () => {
      assert.notEqual(requestFingerprint({ ...parts, ...change }), requestFingerprint(parts));
    });
  }
  it('leaves the body out when body matching is off, and nothing else', () => {
    const store = {} as never;
    const service = createIdempotencyService({ store, clock: manualClock(now), matchBody: false });
    assert.equal(service.fingerprint(parts), service.fingerprint({ ...parts, body: { other: true } }));
    assert.notEqual(service.fingerprint(parts), service.fingerprint({ ...parts, entityId: 'f'.repeat(32) }));
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
const tenant = { id: '6398', name: 'Acme', apiVersion: '2024-05-20', createdAt: now };

async function assertAppError(promise: Promise<unknown>, code: string, status: number) {
  await assert.rejects(promise, (error: { code?: string; spec?: { status: number } }) => {
    assert.equal(error.code, code);
    assert.equal(error.spec?.status, status);
    return true;
  });
}

/** A stored claim of a request still running under the three-transaction scheme (or whose process died). */
function runningClaim(at: number): IdempotencyRecord {
  return {
    ...requestColumns,
    bodyHash: storedFingerprint,
    state: 'running',
    lockedUntil: at + IDEMPOTENCY_LEASE_MS,
    responseStatus: null,
    responseHeaders: null,
    responseBody: null,
    createdAt: at,
    expiresAt: at + IDEMPOTENCY_TTL_MS,
  };
}

for (const database of testDatabases) {
  describe(`idempotency service on ${database.name}`, () => {
    it("runs the first request with a key and stores its response as the key's, with the writes it made", async (t) => {
      const { store, service } = await setup(t, database);
      const result = await service.run(request, async (tx) => {
        // A domain service's own transaction, joining the key's (as `within`).
        await tx.transaction((joined) => joined.insertTenant(tenant));
        return response;
      });
      assert.deepEqual(result, { kind: 'ran', response });
      const stored = await store.findIdempotencyRecord(request.tenantId, request.clientId, request.key);
      assert.equal(stored?.state, 'done');
      assert.equal(stored?.responseStatus, 201);
      assert.equal(stored?.responseBody, response.body);
      assert.deepEqual(stored?.responseHeaders, response.headers);
      assert.equal(stored?.expiresAt, now + IDEMPOTENCY_TTL_MS);
      assert.equal((await store.findTenant(tenant.id))?.name, 'Acme');
    });

    it('replays the stored response to a retry without running it again', async (t) => {
      const { service, clock } = await setup(t, database);
      await service.run(request, async () => response);
      clock.advance(IDEMPOTENCY_TTL_MS - 1);
      let ran = false;
      const retry = await service.run(request, async () => {
        ran = true;
        return { ...response, body: '{"id":"y"}' };
      });
      assert.deepEqual(retry, { kind: 'replay', response });
      assert.equal(ran, false);
    });

    it('rolls back the key and the writes together when the work fails, and stores the error with fail', async (t) => {
      const { store, service } = await setup(t, database);
      const failure = new Error('domain said no');
      await assert.rejects(
        service.run(request, async (tx) => {
          await tx.transaction((joined) => joined.insertTenant(tenant));
          throw failure;
        }),
        (error) => error === failure,
      );
      assert.equal(await store.findTenant(tenant.id), undefined);
      assert.equal(
        await store.findIdempotencyRecord(request.tenantId, request.clientId, request.key),
        undefined,
      );

      const error = {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"success":false}',
      };
      await service.fail(request, error);
      assert.deepEqual(await service.run(request, async () => response), { kind: 'replay', response: error });
    });

    it('answers 409 from fail when another request took the key after the failed one rolled back', async (t) => {
      const { service } = await setup(t, database);
      await assert.rejects(service.run(request, async () => Promise.reject(new Error('no'))));
      await service.run(request, async () => response);
      await assertAppError(
        service.fail(request, { status: 404, headers: {}, body: '{}' }),
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        409,
      );
      assert.deepEqual(await service.run(request, async () => response), { kind: 'replay', response });
    });

    it('answers 409 while a stored claim of a running request holds its lease, and runs once it is over', async (t) => {
      const { store, service, clock } = await setup(t, database);
      await store.insertIdempotencyClaim(runningClaim(now));
      clock.advance(IDEMPOTENCY_LEASE_MS - 1);
      await assertAppError(
        service.run(request, async () => response),
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        409,
      );
      clock.advance(1);
      assert.deepEqual(await service.run(request, async () => response), { kind: 'ran', response });
      const stored = await store.findIdempotencyRecord(request.tenantId, request.clientId, request.key);
      assert.equal(stored?.state, 'done');
      assert.equal(stored?.createdAt, now + IDEMPOTENCY_LEASE_MS);
    });

    for (const [what, change] of [
      ['URL', { url: '/v1/entities' }],
      ['method', { method: 'PATCH' }],
      ['fingerprint', { fingerprint: 'c'.repeat(64) }],
    ] as const) {
      it(`answers 422 to the same key with another ${what}`, async (t) => {
        const { service } = await setup(t, database);
        await service.run(request, async () => response);
        await assertAppError(
          service.run({ ...request, ...change }, async () => response),
          'IDEMPOTENCY_KEY_REUSED',
          422,
        );
      });
    }

    it('replays despite another body when body matching is off', async (t) => {
      const { service } = await setup(t, database, { matchBody: false });
      const parts = {
        method: 'POST',
        url: request.url,
        tenantId: request.tenantId,
        clientId: request.clientId,
        userId: 'u',
        entityId: 'e',
        apiVersion: '',
      };
      await service.run(
        { ...request, fingerprint: service.fingerprint({ ...parts, body: { a: 1 } }) },
        async () => response,
      );
      assert.deepEqual(
        await service.run(
          { ...request, fingerprint: service.fingerprint({ ...parts, body: { a: 2 } }) },
          async () => response,
        ),
        {
          kind: 'replay',
          response,
        },
      );
    });

    it('keeps keys apart by tenant and by client', async (t) => {
      const { service } = await setup(t, database);
      await service.run(request, async () => response);
      for (const other of [{ clientId: 'other-client' }, { tenantId: '7001' }]) {
        assert.equal((await service.run({ ...request, ...other }, async () => response)).kind, 'ran');
      }
    });

    it('forgets a key after 24 hours: the same key then runs as new, even for another request', async (t) => {
      const { store, service, clock } = await setup(t, database);
      await service.run(request, async () => response);
      clock.advance(IDEMPOTENCY_TTL_MS);
      const other = { ...request, url: '/v1/entities', bodyHash: 'd'.repeat(64) };
      const second = { ...response, body: '{"id":"z"}' };
      assert.deepEqual(await service.run(other, async () => second), { kind: 'ran', response: second });
      const stored = await store.findIdempotencyRecord(request.tenantId, request.clientId, request.key);
      assert.equal(stored?.url, '/v1/entities');
      assert.equal(stored?.responseBody, second.body);
    });

    it('sweeps expired keys and keeps the others', async (t) => {
      const { store, service, clock } = await setup(t, database);
      await service.run(request, async () => response);
      clock.advance(IDEMPOTENCY_TTL_MS / 2);
      await service.run({ ...request, key: 'key-2' }, async () => response);
      clock.advance(IDEMPOTENCY_TTL_MS / 2);
      assert.equal(await service.sweep(), 1);
      assert.equal(
        await store.findIdempotencyRecord(request.tenantId, request.clientId, request.key),
        undefined,
      );
      assert.ok(await store.findIdempotencyRecord(request.tenantId, request.clientId, 'key-2'));
      assert.equal(await service.sweep(), 0);
    });

    it(
      database.name === 'postgres'
        ? 'answers 409 at once to a second request while the first runs the key in its transaction'
        : "makes a second request wait for the first one's transaction (one connection), then replays it",
      async (t) => {
        const { service } = await setup(t, database);
        let open: () => void = () => {};
        const gate = new Promise<void>((resolve) => {
          open = resolve;
        });
        let started: () => void = () => {};
        const running = new Promise<void>((resolve) => {
          started = resolve;
        });
        const first = service.run(request, async () => {
          started();
          await gate;
          return response;
        });
        await running;
        let ranTwice = false;
        const second = service.run(request, async () => {
          ranTwice = true;
          return response;
        });
        if (database.name === 'postgres') {
          await assertAppError(second, 'IDEMPOTENCY_KEY_IN_FLIGHT', 409);
          open();
        } else {
          const settled = await Promise.race([
            second.then(() => 'settled'),
            new Promise((r) => setTimeout(r, 50, 'waiting')),
          ]);
          assert.equal(settled, 'waiting');
          open();
          assert.deepEqual(await second, { kind: 'replay', response });
        }
        assert.deepEqual(await first, { kind: 'ran', response });
        assert.equal(ranTwice, false);
      },
    );

    it('runs exactly one of five concurrent requests with the same key; the others replay it or get 409', async (t) => {
      const { service } = await setup(t, database);
      let runs = 0;
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          service.run(request, async () => {
            runs++;
            await new Promise((r) => setTimeout(r, 5));
            return response;
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled' && r.value.kind === 'ran').length, 1);
      for (const r of results) {
        if (r.status === 'rejected') assert.equal(r.reason.code, 'IDEMPOTENCY_KEY_IN_FLIGHT');
        else assert.deepEqual(r.value.response, response);
      }
      assert.equal(runs, 1);
    });

    for (const key of ['', 'k'.repeat(256)]) {
      it(`refuses a key of ${key.length} characters with 400, without running the request`, async (t) => {
        const { service } = await setup(t, database);
        let ran = false;
        await assertAppError(
          service.run({ ...request, key }, async () => {
            ran = true;
            return response;
          }),
          'IDEMPOTENCY_KEY_INVALID',
          400,
        );
        assert.equal(ran, false);
      });
    }
    it('accepts a key of 255 characters', async (t) => {
      const { service } = await setup(t, database);
      assert.equal(
        (await service.run({ ...request, key: 'k'.repeat(255) }, async () => response)).kind,
        'ran',
      );
    });
  });
}
