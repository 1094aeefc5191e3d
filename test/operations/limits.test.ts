import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { loadFixture } from '../../src/domain/fixture-loader.js';
import { buildApp } from '../../src/http/app.js';
import { createServices } from '../../src/services.js';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { appPerSuite, build, manualClock } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { clients as acmeClients, acmeFixture, ids as acmeIds } from '../helpers/fixtures.js';
import { assertError, tokenFor, tokenRequest } from '../helpers/http.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';
import { operator, operatorEnv } from './support.js';

/** A profile small enough to exhaust in a test. */
const tiny = {
  profile: 'api-sandbox',
  perMinute: 3,
  perHour: 5,
  perDay: 100,
  concurrency: 2,
  tokenPerMinute: 2,
};

const RATE_HEADERS = ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'];
const CONCURRENCY_HEADERS = [
  'concurrency-limit-type',
  'concurrency-limit-limit',
  'concurrency-limit-remaining',
];

for (const database of testDatabases) {
  describe(`${database.name}: Zuora's limits`, () => {
    // Limits and their counters are per tenant. The suite's clock stands still at 12:00:00 sharp.
    const suite = appPerSuite({ database, env: operatorEnv, clock: manualClock() });
    /**
     * An Acme of the test's own in the suite's app, its limits set to `settings`; with `own`, an app
     * of the test's own with Acme, for a test that moves the clock or reads the app's metrics.
     */
    async function setup(settings: object = tiny, own?: TestContext) {
      // The test's own clock, in its own app only.
      const clock = own ? manualClock() : undefined;
      const built = own
        ? { ...(await build(own, { database, env: operatorEnv, clock })), ids: acmeIds, clients: acmeClients }
        : await suite.acme();
      const { ids, clients } = built;
      const put = await built.app.inject({
        method: 'PUT',
        url: `/admin/v1/tenants/${ids.tenant}/limits`,
        headers: operator,
        payload: settings,
      });
      assert.equal(put.statusCode, 200, put.body);
      const token = await tokenFor(built.app, clients.usAdminSingle);
      const call = () =>
        built.app.inject({
          method: 'GET',
          url: '/v1/entity-connections',
          headers: { authorization: `Bearer ${token}` },
        });
      return { ...built, call, clock };
    }

    it('sends no limit headers while limits are off, the default', async () => {
      const { app, clients } = await suite.acme();
      const token = await tokenFor(app, clients.usAdminSingle);
      const res = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.statusCode, 200);
      for (const name of [...RATE_HEADERS, ...CONCURRENCY_HEADERS])
        assert.equal(res.headers[name], undefined);
    });

    it('answers the tenant setting and the numbers in force, with Zuora profile numbers', async () => {
      const { app, ids } = await suite.acme();
      const url = `/admin/v1/tenants/${ids.tenant}/limits`;
      const before = await app.inject({ method: 'GET', url, headers: operator });
      assert.deepEqual(before.json(), { settings: { profile: 'off' }, limits: null, success: true });
      const put = await app.inject({
        method: 'PUT',
        url,
        headers: operator,
        payload: { profile: 'production' },
      });
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(put.json().limits, {
        perMinute: 50_000,
        perHour: 1_000_000,
        perDay: 10_000_000,
        concurrency: 40,
        tokenPerMinute: 100,
      });
      const sandbox = await app.inject({
        method: 'PUT',
        url,
        headers: operator,
        payload: { profile: 'developer-sandbox' },
      });
      assert.equal(sandbox.json().limits.perMinute, 12_500);
      const api = await app.inject({
        method: 'PUT',
        url,
        headers: operator,
        payload: { profile: 'api-sandbox' },
      });
      assert.equal(api.json().limits.perMinute, 2_500);
    });

    it('refuses an unknown profile with category 20 and an unknown tenant with 404', async () => {
      const { app, ids } = await suite.acme();
      const bad = await app.inject({
        method: 'PUT',
        url: `/admin/v1/tenants/${ids.tenant}/limits`,
        headers: operator,
        payload: { profile: 'unlimited' },
      });
      assertError(bad, 400, 20);
      const unknown = await app.inject({
        method: 'PUT',
        url: '/admin/v1/tenants/999999/limits',
        headers: operator,
        payload: { profile: 'production' },
      });
      assertError(unknown, 404, 40);
    });

    it('needs the operator token for the limits route', async () => {
      const { app, ids } = await suite.acme();
      const res = await app.inject({ method: 'GET', url: `/admin/v1/tenants/${ids.tenant}/limits` });
      assertError(res, 401, 11);
    });

    it('counts down RateLimit-Remaining, then answers 429 with category 70 and Retry-After', async () => {
      const { call } = await setup();
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call();
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['ratelimit-limit'], '3');
        remaining.push(String(res.headers['ratelimit-remaining']));
        assert.equal(res.headers['concurrency-limit-type'], 'Default');
        assert.equal(res.headers['concurrency-limit-limit'], '2');
        assert.equal(res.headers['concurrency-limit-remaining'], '1');
      }
      assert.deepEqual(remaining, ['2', '1', '0']);
      const refused = await call();
      assertError(refused, 429, 70);
      assert.equal(refused.json().reasons[0].code, 50000070);
      assert.equal(refused.headers['ratelimit-remaining'], '0');
      // The clock of the test stands at 12:00:00 sharp: the minute window ends in 60 s.
      assert.equal(refused.headers['retry-after'], '60');
      assert.equal(refused.headers['ratelimit-reset'], '60');
    });

    it('opens a new minute window when the clock passes the minute, until the hour window is spent', async (t) => {
      const { call, clock } = await setup(tiny, t);
      assert.ok(clock);
      for (let i = 0; i < 3; i++) assert.equal((await call()).statusCode, 200);
      assert.equal((await call()).statusCode, 429);
      clock.advance(60_000);
      const next = await call();
      assert.equal(next.statusCode, 200, next.body);
      // 5 an hour: the fifth counted request (the refused one counts) leaves the hour window with 0.
      assert.equal(next.headers['ratelimit-remaining'], '0');
      assert.equal(next.headers['ratelimit-limit'], '5');
      const refused = await call();
      assertError(refused, 429, 70);
      assert.match(refused.json().reasons[0].message, /per hour/);
      assert.equal(refused.headers['retry-after'], String(3600 - 60));
    });

    it('keeps the limits of one tenant away from another', async () => {
      const { app, call, ids, clients } = await setup();
      for (let i = 0; i < 4; i++) await call();
      const other = await tokenFor(app, clients.otherTenantAdmin);
      const res = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: { authorization: `Bearer ${other}`, 'zuora-entity-ids': ids.otherGlobal },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['ratelimit-limit'], undefined);
    });

    it('refuses a request past the entity concurrency limit while others are in flight', async (t) => {
      const { app, call, ids } = await setup({ ...tiny, perMinute: 100, perHour: 100, concurrency: 1 }, t);
      // A latency fault holds the first request in flight for 3 s, its concurrency slot taken.
      const fault = await app.inject({
        method: 'POST',
        url: `/admin/v1/tenants/${ids.tenant}/faults`,
        headers: operator,
        payload: { path: '/v1/entity-connections', fault: 'latency', latencyMs: 3000, times: 1 },
      });
      assert.equal(fault.statusCode, 200, fault.body);
      const first = call();
      // The latency is counted when it starts: from then on the first request holds its slot.
      const latencyStarted = async () =>
        /multientity_faults_injected_total\{fault="latency"\} 1/.test(
          (await app.inject({ method: 'GET', url: '/metrics' })).body,
        );
      while (!(await latencyStarted())) await new Promise((resolve) => setTimeout(resolve, 20));
      const second = await call();
      assertError(second, 429, 70);
      assert.equal(second.headers['concurrency-limit-remaining'], '0');
      assert.equal(second.headers['retry-after'], '1');
      assert.match(second.json().reasons[0].message, /concurrency/);
      assert.equal((await first).statusCode, 200);
      const third = await call();
      assert.equal(third.statusCode, 200, third.body);
      assert.equal(third.headers['concurrency-limit-remaining'], '0');
    });

    it('limits POST /oauth/token per client IP for tenants with limits', async () => {
      const { app, clients } = await setup();
      // setup took one token already: one more is allowed, the next is refused.
      const second = await tokenRequest(app, clients.globalAdmin);
      assert.equal(second.statusCode, 200, second.body);
      assert.equal(second.headers['ratelimit-limit'], '2');
      assert.equal(second.headers['ratelimit-remaining'], '0');
      const third = await tokenRequest(app, clients.globalAdmin);
      assertError(third, 429, 70);
      assert.equal(third.headers['retry-after'], '60');
      // Another address has its own count.
      const elsewhere = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress: '127.0.0.9',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `client_id=${clients.globalAdmin.id}&client_secret=${clients.globalAdmin.secret}&grant_type=client_credentials`,
      });
      assert.equal(elsewhere.statusCode, 200, elsewhere.body);
    });

    it("counts token requests per tenant and IP: one tenant's token requests never push another into 429", {
      timeout: 30_000,
    }, async () => {
      const { app, ids, clients } = await setup();
      const other = await app.inject({
        method: 'PUT',
        url: `/admin/v1/tenants/${ids.otherTenant}/limits`,
        headers: operator,
        payload: tiny,
      });
      assert.equal(other.statusCode, 200, other.body);
      // Acme spends its two token requests of the minute from this IP (setup took one).
      assert.equal((await tokenRequest(app, clients.globalAdmin)).statusCode, 200);
      assertError(await tokenRequest(app, clients.globalAdmin), 429, 70);
      // The other tenant, from the same IP, has its own count.
      const first = await tokenRequest(app, clients.otherTenantAdmin);
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.headers['ratelimit-remaining'], '1');
      assert.equal((await tokenRequest(app, clients.otherTenantAdmin)).statusCode, 200);
      assertError(await tokenRequest(app, clients.otherTenantAdmin), 429, 70);
    });

    it('takes a tenant profile from the fixture key limits', async () => {
      const { app, clients } = await suite.acme((fixture) => {
        const first = (fixture as { tenants: Record<string, unknown>[] }).tenants[0];
        assert.ok(first);
        first.limits = { profile: 'developer-sandbox', perMinute: 7 };
      });
      const token = await tokenFor(app, clients.usAdminSingle);
      const res = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['ratelimit-limit'], '7');
      assert.equal(res.headers['ratelimit-remaining'], '6');
      assert.equal(res.headers['concurrency-limit-limit'], '40');
    });
  });
}

describe('limits across instances', () => {
  it('shares the rate counters of two instances on one database file', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'multientity-limits-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'shared.db');
    const fixture = acmeFixture() as { tenants: Record<string, unknown>[] };
    const tenant = fixture.tenants[0];
    assert.ok(tenant);
    tenant.limits = tiny;
    const instances = [];
    // Both instances see the same time, so the test cannot straddle a window boundary.
    const clock = manualClock();
    for (let i = 0; i < 2; i++) {
      const store = await createSqliteStore({ path });
      const config = loadConfig({}, { db: path });
      const services = createServices({ store, config, clock });
      await loadFixture(store, services.clock, fixture);
      const app = await buildApp({ services, config });
      t.after(async () => {
        await app.close();
        await store.close();
      });
      instances.push(app);
    }
    const [a, b] = instances;
    assert.ok(a && b);
    const token = await tokenFor(a, {
      id: acmeClients.usAdminSingle.id,
      secret: acmeClients.usAdminSingle.secret,
    });
    const call = (app: typeof a) =>
      app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: { authorization: `Bearer ${token}` },
      });
    const seen = [];
    for (const app of [a, b, a, b]) {
      const res = await call(app);
      seen.push(`${res.statusCode} ${res.headers['ratelimit-remaining']}`);
    }
    assert.deepEqual(seen, ['200 2', '200 1', '200 0', '429 0']);
  });
});
