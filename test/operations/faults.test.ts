import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { firesAt } from '../../src/domain/fault-rules.js';
import { appPerSuite, build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { clients as acmeClients, ids as acmeIds } from '../helpers/fixtures.js';
import { assertError, tokenFor, tokenRequest } from '../helpers/http.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';
import { operator, operatorEnv } from './support.js';

const faultsUrl = (tenantId: string) => `/admin/v1/tenants/${tenantId}/faults`;

async function addRule(app: FastifyInstance, tenantId: string, rule: object) {
  const res = await app.inject({
    method: 'POST',
    url: faultsUrl(tenantId),
    headers: operator,
    payload: rule,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

for (const database of testDatabases) {
  describe(`${database.name}: fault rules`, () => {
    const suite = appPerSuite({ database, env: operatorEnv });
    /**
     * An Acme of the test's own in the suite's app (fault rules are per tenant); with `t`, an app of
     * the test's own with Acme, for a test that makes the app listen.
     */
    async function setup(t?: TestContext) {
      const built = t
        ? { ...(await build(t, { database, env: operatorEnv })), ids: acmeIds, clients: acmeClients }
        : await suite.acme();
      const { ids, clients } = built;
      const token = await tokenFor(built.app, clients.usAdminSingle);
      const headers = { authorization: `Bearer ${token}` };
      const list = (extra: Record<string, string> = {}) =>
        built.app.inject({ method: 'GET', url: '/v1/entity-connections', headers: { ...headers, ...extra } });
      const connect = () =>
        built.app.inject({
          method: 'POST',
          url: '/v1/entity-connections',
          headers,
          payload: { targetEntityId: ids.eu },
        });
      return { ...built, headers, list, connect };
    }

    it('answers the next N matching requests with 503 in the envelope, then stops', async () => {
      const { app, list, ids } = await setup();
      const rule = await addRule(app, ids.tenant, {
        method: 'GET',
        path: '/v1/entity-connections',
        fault: '503',
        times: 2,
      });
      assert.equal(rule.remaining, 2);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await list()).statusCode);
      assert.deepEqual(statuses, [503, 503, 200, 200]);
      const [listed] = (
        await app.inject({ method: 'GET', url: faultsUrl(ids.tenant), headers: operator })
      ).json().faultRules;
      assert.equal(listed.remaining, 0);
    });

    it('answers 429 with category 70 and the rule Retry-After', async () => {
      const { app, list, ids } = await setup();
      await addRule(app, ids.tenant, {
        path: '/v1/entity-connections',
        fault: '429',
        retryAfter: 7,
        times: 1,
      });
      const res = await list();
      assertError(res, 429, 70);
      assert.equal(res.json().reasons[0].code, 50000070);
      assert.equal(res.headers['retry-after'], '7');
      assert.ok(res.headers['zuora-request-id']);
    });

    it('answers 500 with category 60, always, until the rules are cleared', async () => {
      const { app, list, ids } = await setup();
      await addRule(app, ids.tenant, { path: '/v1/**', fault: '500' });
      for (let i = 0; i < 3; i++) assertError(await list(), 500, 60);
      const cleared = await app.inject({ method: 'DELETE', url: faultsUrl(ids.tenant), headers: operator });
      assert.deepEqual(cleared.json(), { deleted: 1, success: true });
      assert.equal((await list()).statusCode, 200);
    });

    it('matches only the method, path pattern and track id the rule names', async () => {
      const { app, list, connect, ids } = await setup();
      await addRule(app, ids.tenant, { method: 'POST', path: '/v1/entity-*', fault: '503' });
      await addRule(app, ids.tenant, { path: '/v1/entity-connections', trackId: 'flaky-run', fault: '500' });
      assert.equal((await list()).statusCode, 200);
      assertError(await connect(), 503, 61);
      assertError(await list({ 'zuora-track-id': 'flaky-run' }), 500, 60);
      assert.equal((await list({ 'zuora-track-id': 'other-run' })).statusCode, 200);
    });

    it('matches a route template such as /v1/entity-connections/:connectionId/accept', async () => {
      const { app, headers, ids } = await setup();
      await addRule(app, ids.tenant, { path: '/v1/entity-connections/:connectionId/accept', fault: '503' });
      const res = await app.inject({
        method: 'PUT',
        url: '/v1/entity-connections/0123456789abcdef0123456789abcdef/accept',
        headers,
      });
      assertError(res, 503, 61);
    });

    it('fires a rate rule on the same requests for the same seed, at about the rate', async () => {
      const { app, list, ids } = await setup();
      const rule = await addRule(app, ids.tenant, {
        path: '/v1/entity-connections',
        fault: '503',
        rate: 0.3,
        seed: 42,
      });
      assert.equal(rule.seed, 42);
      const fired: boolean[] = [];
      for (let i = 0; i < 40; i++) fired.push((await list()).statusCode === 503);
      const expected = Array.from({ length: 40 }, (_, i) => firesAt(0.3, 42, i + 1));
      assert.deepEqual(fired, expected);
      const count = fired.filter(Boolean).length;
      assert.ok(count >= 4 && count <= 20, `fired ${count} of 40 at rate 0.3`);
      // The same rule made again with the same seed fires on the same requests.
      await app.inject({ method: 'DELETE', url: faultsUrl(ids.tenant), headers: operator });
      await addRule(app, ids.tenant, { path: '/v1/entity-connections', fault: '503', rate: 0.3, seed: 42 });
      const again: boolean[] = [];
      for (let i = 0; i < 40; i++) again.push((await list()).statusCode === 503);
      assert.deepEqual(again, fired);
    });

    it('adds measurable latency and then runs the request, the next N times only', async () => {
      const { app, list, ids } = await setup();
      await addRule(app, ids.tenant, {
        path: '/v1/entity-connections',
        fault: 'latency',
        latencyMs: 250,
        times: 1,
      });
      const started = Date.now();
      const slow = await list();
      const took = Date.now() - started;
      assert.equal(slow.statusCode, 200);
      assert.ok(took >= 250, `took ${took} ms`);
      assert.equal((await list()).statusCode, 200);
      const [rule] = (
        await app.inject({ method: 'GET', url: faultsUrl(ids.tenant), headers: operator })
      ).json().faultRules;
      assert.equal(rule.remaining, 0);
    });

    it('drops the connection: the client sees a socket error and no response', async (t) => {
      const { app, headers, ids } = await setup(t);
      await addRule(app, ids.tenant, { path: '/v1/entity-connections', fault: 'drop', times: 1 });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const get = () =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            { host: '127.0.0.1', port, path: '/v1/entity-connections', headers },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end();
        });
      await assert.rejects(get(), (error: NodeJS.ErrnoException) => {
        assert.ok(
          error.code === 'ECONNRESET' || /socket hang up/.test(error.message),
          `${error.code}: ${error.message}`,
        );
        return true;
      });
      assert.equal(await get(), 200);
    });

    it('drops the connection before the handler runs: nothing is written', async (t) => {
      const { app, connect, list, headers, ids } = await setup(t);
      await addRule(app, ids.tenant, {
        method: 'POST',
        path: '/v1/entity-connections',
        fault: 'drop',
        times: 1,
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/v1/entity-connections`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ targetEntityId: ids.eu }),
      }).catch((error: Error) => error);
      assert.ok(res instanceof Error, 'the client gets no response');
      assert.deepEqual((await list()).json().entityConnections, []);
      assert.equal((await connect()).statusCode, 200);
    });

    it('matches POST /oauth/token by the tenant of the client', async () => {
      const { app, ids, clients } = await setup();
      await addRule(app, ids.tenant, { method: 'POST', path: '/oauth/token', fault: '503', times: 1 });
      assertError(await tokenRequest(app, clients.globalAdmin), 503, 61);
      assert.equal((await tokenRequest(app, clients.otherTenantAdmin)).statusCode, 200);
      assert.equal((await tokenRequest(app, clients.globalAdmin)).statusCode, 200);
    });

    it('lists the rules and deletes one by id', async () => {
      const { app, list, ids } = await setup();
      const first = await addRule(app, ids.tenant, { path: '/v1/entity-connections', fault: '500' });
      const second = await addRule(app, ids.tenant, {
        method: 'post',
        path: '/v1/**',
        fault: '429',
        rate: 0.5,
      });
      const listed = (
        await app.inject({ method: 'GET', url: faultsUrl(ids.tenant), headers: operator })
      ).json();
      assert.deepEqual(
        listed.faultRules.map((r: { id: string }) => r.id),
        [first.id, second.id],
      );
      assert.equal(listed.faultRules[1].method, 'POST');
      assert.equal(listed.faultRules[1].retryAfter, 1);
      const removed = await app.inject({
        method: 'DELETE',
        url: `${faultsUrl(ids.tenant)}/${first.id}`,
        headers: operator,
      });
      assert.deepEqual(removed.json(), { success: true });
      assert.equal((await list()).statusCode, 200);
      const again = await app.inject({
        method: 'DELETE',
        url: `${faultsUrl(ids.tenant)}/${first.id}`,
        headers: operator,
      });
      assertError(again, 404, 40);
    });

    it('refuses rules without the operator token, for unknown tenants and with bad fields', async () => {
      const { app, ids } = await setup();
      const rule = { path: '/v1/entity-connections', fault: '500' };
      assertError(await app.inject({ method: 'POST', url: faultsUrl(ids.tenant), payload: rule }), 401, 11);
      const wrong = { authorization: 'Bearer not-the-operator-token-at-all' };
      assertError(
        await app.inject({ method: 'POST', url: faultsUrl(ids.tenant), headers: wrong, payload: rule }),
        403,
        10,
      );
      const unknown = await app.inject({
        method: 'POST',
        url: '/admin/v1/tenants/999999/faults',
        headers: operator,
        payload: rule,
      });
      assertError(unknown, 404, 40);
      const badKind = await app.inject({
        method: 'POST',
        url: faultsUrl(ids.tenant),
        headers: operator,
        payload: { ...rule, fault: '418' },
      });
      assertError(badKind, 400, 20);
      const badRate = await app.inject({
        method: 'POST',
        url: faultsUrl(ids.tenant),
        headers: operator,
        payload: { ...rule, rate: 1.5 },
      });
      assertError(badRate, 400, 20);
      const noLatency = await app.inject({
        method: 'POST',
        url: faultsUrl(ids.tenant),
        headers: operator,
        payload: { path: '/v1/x', fault: 'latency' },
      });
      assertError(noLatency, 400, 20);
    });

    it('never stores an injected failure as the response of an Idempotency-Key', async () => {
      const { app, headers, ids } = await setup();
      await addRule(app, ids.tenant, {
        method: 'POST',
        path: '/v1/entity-connections',
        fault: '503',
        times: 1,
      });
      const post = () =>
        app.inject({
          method: 'POST',
          url: '/v1/entity-connections',
          headers: { ...headers, 'idempotency-key': 'retry-me' },
          payload: { targetEntityId: ids.eu },
        });
      assertError(await post(), 503, 61);
      const retried = await post();
      assert.equal(retried.statusCode, 200, retried.body);
      assert.equal(retried.headers['idempotent-replayed'], undefined);
    });
  });
}
