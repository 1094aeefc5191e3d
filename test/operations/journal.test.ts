import assert from 'node:assert/strict';
import { appPerSuite, build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { clients as acmeClients, ids as acmeIds } from '../helpers/fixtures.js';
import { assertError, tokenFor, tokenRequest } from '../helpers/http.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';
import { operator, operatorEnv } from './support.js';

const journalUrl = (tenantId: string) => `/admin/v1/tenants/${tenantId}/journal`;

for (const database of testDatabases) {
  describe(`${database.name}: the request journal`, () => {
    const suite = appPerSuite({ database, env: operatorEnv });
    /**
     * An Acme of the test's own in the suite's app (journals are per tenant); with `t` and `env`, an
     * app of the test's own with Acme, for a test that sets the environment.
     */
    async function setup(own?: { t: TestContext; env: NodeJS.ProcessEnv }) {
      const built = own
        ? {
            ...(await build(own.t, { database, env: { ...operatorEnv, ...own.env } })),
            ids: acmeIds,
            clients: acmeClients,
          }
        : await suite.acme();
      const { ids, clients } = built;
      const token = await tokenFor(built.app, clients.usAdminSingle);
      const headers = { authorization: `Bearer ${token}` };
      const journal = async (query = '') => {
        const res = await built.app.inject({
          method: 'GET',
          url: `${journalUrl(ids.tenant)}${query}`,
          headers: operator,
        });
        assert.equal(res.statusCode, 200, res.body);
        return res.json().requests;
      };
      return { ...built, token, headers, journal };
    }

    it('records method, url, masked headers, body, status, response, duration and ids', async () => {
      const { app, token, headers, journal, ids } = await setup();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers: { ...headers, 'zuora-track-id': 'run-17' },
        payload: { targetEntityId: ids.eu },
      });
      assert.equal(res.statusCode, 200, res.body);
      const [entry] = await journal('?limit=1');
      assert.equal(entry.method, 'POST');
      assert.equal(entry.url, '/v1/entity-connections');
      assert.deepEqual(entry.body, { targetEntityId: ids.eu });
      assert.equal(entry.status, 200);
      assert.deepEqual(entry.response, res.json());
      assert.equal(entry.requestId, res.headers['zuora-request-id']);
      assert.equal(entry.trackId, 'run-17');
      assert.equal(typeof entry.durationMs, 'number');
      assert.ok(!Number.isNaN(Date.parse(entry.at)));
      assert.equal(entry.headers['zuora-track-id'], 'run-17');
      assert.match(entry.headers.authorization, /^Bearer \S{4}\*{4}$/);
      assert.ok(!JSON.stringify(entry).includes(token), 'the token never appears');
    });

    it('records the token request of a tenant client with the secret masked', async () => {
      const { journal, clients } = await setup();
      const [entry] = await journal('?path=/oauth/token');
      assert.equal(entry.method, 'POST');
      assert.equal(entry.status, 200);
      assert.equal(entry.body.client_id, clients.usAdminSingle.id);
      assert.notEqual(entry.body.client_secret, clients.usAdminSingle.secret);
      assert.match(entry.body.client_secret, /\*{4}/);
      assert.match(entry.response.access_token, /^\S{4}\*{4}$/);
    });

    it('filters by path, status and track id, newest first, up to the limit', async () => {
      const { app, headers, journal } = await setup();
      const list = (extra: Record<string, string> = {}) =>
        app.inject({
          method: 'GET',
          url: '/v1/entity-connections?pageSize=5',
          headers: { ...headers, ...extra },
        });
      await list({ 'zuora-track-id': 'a' });
      await list({ 'zuora-track-id': 'b' });
      await app.inject({
        method: 'PUT',
        url: '/v1/entity-connections/0123456789abcdef0123456789abcdef/accept',
        headers,
      });
      const listed = await journal('?path=/v1/entity-connections');
      assert.deepEqual(
        listed.map((e: { trackId: string }) => e.trackId),
        ['b', 'a'],
      );
      assert.equal(listed[0].url, '/v1/entity-connections?pageSize=5');
      const missing = await journal('?status=404');
      assert.equal(missing.length, 1);
      assert.match(missing[0].url, /accept$/);
      assert.equal(missing[0].response.success, false);
      assert.equal((await journal('?trackId=a')).length, 1);
      assert.equal((await journal('?path=/v1/entity-connections/*/accept')).length, 1);
      assert.equal((await journal('?path=/v1/**')).length, 3);
      assert.equal((await journal('?limit=2')).length, 2);
    });

    it('keeps the response as sent before gzip, when the client gets it gzipped', async () => {
      const { app, headers, journal } = await setup();
      const res = await app.inject({
        method: 'GET',
        url: '/v1/entities',
        headers: { ...headers, 'accept-encoding': 'gzip' },
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-encoding'], 'gzip');
      const [entry] = await journal('?path=/v1/entities');
      assert.equal(entry.response.success, true);
      assert.ok(entry.response.entities.length >= 5);
    });

    it('keeps the last MULTIENTITY_JOURNAL_SIZE requests of a tenant, dropping the oldest', async (t) => {
      const { app, headers, journal } = await setup({ t, env: { MULTIENTITY_JOURNAL_SIZE: '3' } });
      for (const trackId of ['1', '2', '3', '4']) {
        await app.inject({
          method: 'GET',
          url: '/v1/entity-connections',
          headers: { ...headers, 'zuora-track-id': trackId },
        });
      }
      assert.deepEqual(
        (await journal()).map((e: { trackId: string }) => e.trackId),
        ['4', '3', '2'],
      );
    });

    it('keeps each tenant to itself and forgets on DELETE', async () => {
      const { app, journal, ids, clients } = await setup();
      await tokenRequest(app, clients.otherTenantAdmin);
      const other = await app.inject({
        method: 'GET',
        url: `/admin/v1/tenants/${ids.otherTenant}/journal`,
        headers: operator,
      });
      assert.equal(other.json().requests.length, 1);
      assert.equal((await journal()).length, 1);
      const cleared = await app.inject({ method: 'DELETE', url: journalUrl(ids.tenant), headers: operator });
      assert.deepEqual(cleared.json(), { success: true });
      assert.deepEqual(await journal(), []);
    });

    it('starts a reset tenant with an empty journal, and forgets a deleted one', async () => {
      const { app, journal, ids, clients } = await setup();
      assert.equal((await journal()).length, 1, 'the token request is journaled');
      const reset = await app.inject({
        method: 'POST',
        url: `/admin/v1/tenants/${ids.tenant}/reset`,
        headers: operator,
      });
      assert.equal(reset.statusCode, 200, reset.body);
      assert.deepEqual(await journal(), []);

      await tokenRequest(app, clients.otherTenantAdmin);
      const otherJournal = () =>
        app.inject({ method: 'GET', url: `/admin/v1/tenants/${ids.otherTenant}/journal`, headers: operator });
      assert.equal((await otherJournal()).json().requests.length, 1);
      const deleted = await app.inject({
        method: 'DELETE',
        url: `/admin/v1/tenants/${ids.otherTenant}`,
        headers: operator,
      });
      assert.equal(deleted.statusCode, 204, deleted.body);
      const after = await otherJournal();
      assert.ok(
        after.statusCode === 404 || after.json().requests.length === 0,
        `a deleted tenant's journal is gone: ${after.body}`,
      );
    });

    it('records a request refused by a fault rule, and a dropped one with status 0', async () => {
      const { app, headers, journal, ids } = await setup();
      await app.inject({
        method: 'POST',
        url: `/admin/v1/tenants/${ids.tenant}/faults`,
        headers: operator,
        payload: { path: '/v1/entity-connections', fault: '429', times: 1 },
      });
      await app.inject({ method: 'GET', url: '/v1/entity-connections', headers });
      const [entry] = await journal('?status=429');
      assert.equal(entry.response.reasons[0].code, 50000070);
    });

    it('needs the operator token and a known tenant', async () => {
      const { app, ids } = await setup();
      assertError(await app.inject({ method: 'GET', url: journalUrl(ids.tenant) }), 401, 11);
      const unknown = await app.inject({
        method: 'GET',
        url: '/admin/v1/tenants/999999/journal',
        headers: operator,
      });
      assertError(unknown, 404, 40);
    });
  });
}
