import assert from 'node:assert/strict';
import { hashToken } from '../../src/domain/secrets.js';
import { buildApp } from '../../src/http/app.js';
import { createServices } from '../../src/services.js';
import { testDatabases } from '../helpers/databases.js';
import { tokenFor, tokenRequest } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';
import { admin, adminPerSuite, category, createTenant, OPERATOR_TOKEN, zuora } from './admin-helpers.js';

for (const database of testDatabases) {
  describe(`${database.name}: a tenant's clock`, () => {
    const suite = adminPerSuite({ database });
    it('reads real time until set, then the time set; frozen, it stands still', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const url = `/admin/v1/tenants/${tenant.id}/clock`;
      const real = (await admin(app, 'GET', url)).json();
      assert.equal(real.frozen, false);
      assert.equal(real.offsetMs, 0);
      assert.ok(Math.abs(Date.parse(real.time) - Date.now()) < 5000);

      const frozen = await admin(app, 'PUT', url, { time: '2030-01-01T00:00:00.000Z', frozen: true });
      assert.equal(frozen.statusCode, 200, frozen.body);
      assert.deepEqual(frozen.json(), { time: '2030-01-01T00:00:00.000Z', frozen: true, offsetMs: 0 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal((await admin(app, 'GET', url)).json().time, '2030-01-01T00:00:00.000Z');

      const advanced = await admin(app, 'POST', `${url}/advance`, { hours: 1, minutes: 30 });
      assert.equal(advanced.json().time, '2030-01-01T01:30:00.000Z');

      const running = (await admin(app, 'PUT', url, { frozen: false })).json();
      assert.equal(running.frozen, false);
      assert.ok(Date.parse(running.time) >= Date.parse('2030-01-01T01:30:00.000Z'));

      const back = (await admin(app, 'DELETE', url)).json();
      assert.equal(back.offsetMs, 0);
      assert.equal(back.frozen, false);
    });

    it('stamps what the API does with the tenant time: audit events of a frozen tenant', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      await admin(app, 'PUT', `/admin/v1/tenants/${tenant.id}/clock`, {
        time: '2031-05-05T05:05:05.000Z',
        frozen: true,
      });
      const [client] = tenant.clients;
      assert.ok(client);
      const api = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
      const id = (await api.connect(tenant.entities['Shop-US'] ?? '')).json().id;
      const audit = await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/audit?resourceId=${id}`);
      assert.equal(audit.json().events[0].at, '2031-05-05T05:05:05.000Z');
    });

    it('a token expires when its tenant clock passes the hour (401), and only that tenant moves', async () => {
      const { app, ids, clients } = await suite.acme();
      const tenant = await createTenant(app);
      const [client] = tenant.clients;
      assert.ok(client);
      const api = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
      const acmeToken = await tokenFor(app, {
        clientId: clients.globalAdmin.id,
        clientSecret: clients.globalAdmin.secret,
      });
      const clock = `/admin/v1/tenants/${tenant.id}/clock`;

      await admin(app, 'POST', `${clock}/advance`, { minutes: 59 });
      assert.equal((await api.list()).statusCode, 200);
      await admin(app, 'POST', `${clock}/advance`, { minutes: 2 });
      const expired = await api.list();
      assert.equal(expired.statusCode, 401);
      assert.equal(category(expired), 11);

      // The other tenant's token, issued at the same moment, still works.
      const acme = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: {
          authorization: `Bearer ${acmeToken}`,
          'zuora-entity-ids': ids.global,
        },
      });
      assert.equal(acme.statusCode, 200);

      // A token issued now is computed from the tenant's clock, so it lives its full hour.
      const fresh = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
      assert.equal((await fresh.list()).statusCode, 200);
    });

    for (const [what, advance] of [
      ['a year', { days: 365 }],
      ['25 hours (the README example)', { hours: 25 }],
    ] as const) {
      it(`ends a token issued while the clock was advanced ${what} once the clock is set back (401)`, {
        timeout: 30_000,
      }, async () => {
        const { app } = suite.built();
        const tenant = await createTenant(app);
        const [client] = tenant.clients;
        assert.ok(client);
        const clock = `/admin/v1/tenants/${tenant.id}/clock`;
        const before = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
        assert.equal((await admin(app, 'POST', `${clock}/advance`, advance)).statusCode, 200);
        const advanced = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
        assert.equal((await advanced.list()).statusCode, 200);
        assert.equal((await before.list()).statusCode, 401);

        assert.equal((await admin(app, 'DELETE', clock)).statusCode, 200);
        const afterReset = await advanced.list();
        assert.equal(afterReset.statusCode, 401);
        assert.equal(category(afterReset), 11);
        // A token issued now lives its hour of real time again.
        const fresh = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
        assert.equal((await fresh.list()).statusCode, 200);
      });
    }

    it('ends a token issued after the time a clock is set back to, and keeps one issued before it', {
      timeout: 30_000,
    }, async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const [client] = tenant.clients;
      assert.ok(client);
      const clock = `/admin/v1/tenants/${tenant.id}/clock`;
      await admin(app, 'PUT', clock, { time: '2030-01-01T00:00:00.000Z', frozen: true });
      const early = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
      await admin(app, 'PUT', clock, { time: '2030-01-01T00:30:00.000Z' });
      const late = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
      await admin(app, 'PUT', clock, { time: '2030-01-01T00:10:00.000Z' });
      assert.equal((await early.list()).statusCode, 200);
      assert.equal((await late.list()).statusCode, 401);
    });

    it('an Idempotency-Key is replayed within 24 hours of tenant time and runs again after', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const [client] = tenant.clients;
      assert.ok(client);
      const us = tenant.entities['Shop-US'] ?? '';
      const clock = `/admin/v1/tenants/${tenant.id}/clock`;
      const caller = async () => zuora(app, await tokenFor(app, client), tenant.globalEntityId);

      const first = await (await caller()).connect(us, 'key-of-the-day');
      assert.equal(first.statusCode, 200, first.body);
      const firstId = first.json().id;
      // Denied by the target, so a second run can create a new request.
      await zuora(app, await tokenFor(app, client), us).act(firstId, 'deny');

      await admin(app, 'POST', `${clock}/advance`, { hours: 23 });
      const replay = await (await caller()).connect(us, 'key-of-the-day');
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.json().id, firstId);

      await admin(app, 'POST', `${clock}/advance`, { hours: 1, seconds: 1 });
      const again = await (await caller()).connect(us, 'key-of-the-day');
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.headers['idempotent-replayed'], undefined);
      assert.notEqual(again.json().id, firstId);
    });

    it('keeps the clock in the database, so another instance on the same database agrees', async (t) => {
      const { app, store } = suite.built();
      const tenant = await createTenant(app);
      await admin(app, 'PUT', `/admin/v1/tenants/${tenant.id}/clock`, {
        time: '2029-02-03T04:05:06.000Z',
        frozen: true,
      });
      const other = await buildApp({
        services: createServices({ store }),
        config: { bodyLimit: 1 << 20, operatorToken: OPERATOR_TOKEN },
      });
      t.after(() => other.close());
      const [client] = tenant.clients;
      assert.ok(client);
      const token = await tokenRequest(other, client);
      assert.equal(token.statusCode, 200);
      assert.equal(
        (await admin(other, 'GET', `/admin/v1/tenants/${tenant.id}/clock`)).json().time,
        '2029-02-03T04:05:06.000Z',
      );
      const stored = (await store.findBearer(hashToken(token.json().access_token)))?.token;
      assert.equal(stored?.expiresAt, Date.parse('2029-02-03T05:05:06.000Z'));
    });

    it('refuses a negative advance and an unknown tenant', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const negative = await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/clock/advance`, {
        hours: -1,
      });
      assert.equal(negative.statusCode, 400);
      assert.equal(category(negative), 20);
      const unknown = await admin(app, 'GET', '/admin/v1/tenants/1/clock');
      assert.equal(unknown.statusCode, 404);
    });
  });
}

for (const database of testDatabases) {
  describe(`${database.name}: bounded clock times`, { timeout: 60_000 }, () => {
    const suite = adminPerSuite({ database });
    const tooFar: [string, Record<string, unknown>, string][] = [
      ['a billion days', { days: 1_000_000_000 }, 'days'],
      ['2^63 milliseconds', { milliseconds: 2 ** 63 }, 'milliseconds'],
      ['hours past 100 years', { hours: 36_525 * 24 + 1 }, 'hours'],
    ];
    for (const [what, body, field] of tooFar) {
      it(`answers 400 naming ${field} for an advance of ${what}, and the tenant keeps working`, async () => {
        const { app } = suite.built();
        const tenant = await createTenant(app);
        const url = `/admin/v1/tenants/${tenant.id}/clock`;
        const res = await admin(app, 'POST', `${url}/advance`, body);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().success, false);
        assert.match(res.json().reasons[0].message, new RegExp(field));
        const after = await admin(app, 'GET', url);
        assert.equal(after.statusCode, 200, after.body);
        assert.equal(after.json().offsetMs, 0);
        assert.equal((await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}`)).statusCode, 200);
      });
    }

    it('answers 400 naming the range when advances would take the clock past 9999-12-31', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const url = `/admin/v1/tenants/${tenant.id}/clock`;
      const set = await admin(app, 'PUT', url, { time: '9990-01-01T00:00:00.000Z', frozen: true });
      assert.equal(set.statusCode, 200, set.body);
      const res = await admin(app, 'POST', `${url}/advance`, { days: 36_525 });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().reasons[0].message, /days.*9999-12-31T23:59:59\.999Z/);
      assert.equal((await admin(app, 'GET', url)).json().time, '9990-01-01T00:00:00.000Z');
      const last = await admin(app, 'PUT', url, { time: '9999-12-31T23:59:59.999Z' });
      assert.equal(last.statusCode, 200, last.body);
      const onePast = await admin(app, 'POST', `${url}/advance`, { milliseconds: 1 });
      assert.equal(onePast.statusCode, 400, onePast.body);
    });

    it('answers 400 naming time for a time before 1970', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const url = `/admin/v1/tenants/${tenant.id}/clock`;
      const res = await admin(app, 'PUT', url, { time: '0001-01-01T00:00:00.000Z' });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().reasons[0].message, /time/);
      assert.equal((await admin(app, 'GET', url)).json().offsetMs, 0);
    });
  });
}
