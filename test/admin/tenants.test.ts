import assert from 'node:assert/strict';
import type { TestApp } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { acmeFixture } from '../helpers/fixtures.js';
import { tokenFor, tokenRequest } from '../helpers/http.js';
import { after, before, describe, it } from '../helpers/node-test.js';
import {
  admin,
  adminPerSuite,
  buildAdmin,
  category,
  createTenant,
  OPERATOR_TOKEN,
  shopTenant,
  zuora,
} from './admin-helpers.js';

for (const database of testDatabases) {
  describe(`${database.name}: admin tenants`, () => {
    // Each test makes its own tenant, or gets an Acme of its own where it needs one.
    const suite = adminPerSuite({ database });
    it('creates a tenant from a fixture body and answers its ids and client credentials', async () => {
      const { app, store } = suite.built();
      const response = await admin(app, 'POST', '/admin/v1/tenants', shopTenant());
      assert.equal(response.statusCode, 201, response.body);
      const tenant = response.json();
      assert.match(tenant.id, /^\d+$/);
      assert.deepEqual(Object.keys(tenant.entities).sort(), ['Global', 'Shop-EU', 'Shop-US']);
      assert.equal(tenant.globalEntityId, tenant.entities.Global);
      assert.match(tenant.users['admin@shop.test'], /^[0-9a-f]{32}$/);
      assert.equal(tenant.clients.length, 1);
      const [client] = tenant.clients;
      assert.equal(client.clientId.length, 36);
      assert.ok(client.clientSecret.length >= 32 && client.clientSecret.length <= 42);
      assert.equal(client.username, 'admin@shop.test');
      assert.equal(tenant.resettable, true);

      // The secret is shown once: the database holds only a salted hash of it.
      const stored = await store.findClient(client.clientId);
      assert.ok(stored?.secretHash.startsWith('sha256$'));
      assert.ok(!stored?.secretHash.includes(client.clientSecret));

      const token = await tokenFor(app, client);
      const created = await zuora(app, token, tenant.globalEntityId).connect(tenant.entities['Shop-US']);
      assert.equal(created.statusCode, 200, created.body);
    });

    it('takes the ids a fixture body gives, as a fixture file would', async () => {
      const { app } = suite.built();
      const body = shopTenant('Given');
      const withIds = {
        ...body,
        id: '424242',
        entities: [{ ...body.entities[0], id: 'ABCDEF0123456789abcdef0123456789' }],
        users: [
          {
            ...body.users[0],
            clients: [
              {
                clientId: '99999999-9999-4999-8999-999999999999',
                clientSecret: 'a-secret-chosen-by-the-test',
                entities: ['Global'],
              },
            ],
          },
        ],
      };
      const tenant = await createTenant(app, withIds);
      assert.equal(tenant.id, '424242');
      assert.equal(tenant.globalEntityId, 'abcdef0123456789abcdef0123456789');
      assert.deepEqual(tenant.clients[0], {
        clientId: '99999999-9999-4999-8999-999999999999',
        clientSecret: 'a-secret-chosen-by-the-test',
        username: 'admin@shop.test',
        entityIds: ['abcdef0123456789abcdef0123456789'],
      });
      const again = await admin(app, 'POST', '/admin/v1/tenants', { ...shopTenant('Again'), id: '424242' });
      assert.equal(again.statusCode, 400);
      assert.equal(category(again), 20);
      assert.match(again.json().reasons[0].message, /424242/);
    });

    it('refuses a client id another tenant holds (400, category 20)', async () => {
      const { app, clients } = await suite.acme();
      const body = shopTenant();
      const taken = { clientId: clients.globalAdmin.id, clientSecret: 'x'.repeat(16), entities: ['Global'] };
      const response = await admin(app, 'POST', '/admin/v1/tenants', {
        ...body,
        users: [{ ...body.users[0], clients: [taken] }],
      });
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(category(response), 20);
      assert.equal(response.json().reasons[0].message, 'An OAuth client with this client id already exists.');
    });

    it('refuses an entity id another tenant holds, from a fixture file tenant posted as is (400, category 20)', async () => {
      const { app, ids, clients } = await suite.acme();
      const acme = acmeFixture({ acme: { ids, clients } }).tenants[0] as Record<string, unknown>;
      const response = await admin(app, 'POST', '/admin/v1/tenants', { ...acme, id: '31337' });
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(category(response), 20);
    });

    it('names the field at fault in a fixture body that breaks a rule (400, category 20)', async () => {
      const { app } = suite.built();
      const body = shopTenant();
      const response = await admin(app, 'POST', '/admin/v1/tenants', {
        ...body,
        users: [{ ...body.users[0], homeEntity: 'Shop-UK' }],
      });
      assert.equal(response.statusCode, 400);
      assert.equal(category(response), 20);
      assert.equal(
        response.json().reasons[0].message,
        "Invalid tenant: users[0].homeEntity: no entity named 'Shop-UK' in this tenant",
      );
    });

    it('answers 400 naming the depth limit for a tenant body nested 10,000 levels deep', {
      timeout: 30_000,
    }, async () => {
      const { app } = suite.built();
      // Written as text: 10,000 levels is deeper than JSON.stringify's own recursion cares for.
      const level = (i: number) => `{"name":"L${i}","locale":"en_US","timezone":"UTC","children":[`;
      let text = '{"name":"Deep","entities":[';
      for (let i = 1; i <= 10_000; i++) text += level(i);
      text += `${']}'.repeat(10_000)}]}`;
      const response = await app.inject({
        method: 'POST',
        url: '/admin/v1/tenants',
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
        payload: text,
      });
      assert.equal(response.statusCode, 400, response.body.slice(0, 500));
      assert.equal(category(response), 20);
      assert.match(response.json().reasons[0].message, /at most 512 levels deep/);
      assert.equal((await admin(app, 'GET', '/admin/v1/tenants')).statusCode, 200);
    });

    it('refuses an unknown field in the body (400, category 21)', async () => {
      const { app } = suite.built();
      const response = await admin(app, 'POST', '/admin/v1/tenants', { ...shopTenant(), colour: 'blue' });
      assert.equal(response.statusCode, 400);
      assert.equal(category(response), 21);
    });

    it('lists tenants and gets one; an unknown tenant is 404 (category 40)', async () => {
      const { app, ids } = await suite.acme();
      const tenant = await createTenant(app);
      const list = await admin(app, 'GET', '/admin/v1/tenants');
      assert.equal(list.statusCode, 200);
      const listed = list.json().tenants.map((x: { id: string }) => x.id);
      assert.ok(listed.includes(tenant.id));
      assert.ok(listed.includes(ids.tenant), 'the fixture file tenant is listed too');

      const one = await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}`);
      assert.equal(one.statusCode, 200);
      assert.deepEqual(one.json().entities, tenant.entities);
      assert.equal(one.json().clock.frozen, false);

      const missing = await admin(app, 'GET', '/admin/v1/tenants/1');
      assert.equal(missing.statusCode, 404);
      assert.equal(category(missing), 40);
    });

    it('deletes a tenant with all its data; its clients and tokens stop and other tenants keep theirs', async () => {
      const { app, store, clients } = await suite.acme();
      const tenant = await createTenant(app);
      const [client] = tenant.clients;
      assert.ok(client);
      const token = await tokenFor(app, client);
      const api = zuora(app, token, tenant.globalEntityId);
      const connection = (await api.connect(tenant.entities['Shop-US'] ?? '', 'key-1')).json().id;
      await zuora(app, token, tenant.entities['Shop-US'] ?? '').act(connection, 'deny');

      // What the other admin operations keep for the tenant goes with it too.
      const fault = await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/faults`, {
        path: '/v1/entity-connections',
        fault: '503',
      });
      assert.equal(fault.statusCode, 200, fault.body);
      const limits = await admin(app, 'PUT', `/admin/v1/tenants/${tenant.id}/limits`, {
        profile: 'production',
      });
      assert.equal(limits.statusCode, 200, limits.body);

      const deleted = await admin(app, 'DELETE', `/admin/v1/tenants/${tenant.id}`);
      assert.equal(deleted.statusCode, 204);
      assert.equal(deleted.body, '');

      assert.equal((await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}`)).statusCode, 404);
      assert.equal((await api.list()).statusCode, 401);
      assert.equal((await tokenRequest(app, client)).statusCode, 401);
      assert.equal(await store.findEntity(tenant.id, tenant.globalEntityId), undefined);
      assert.deepEqual(await store.listUsers(tenant.id), []);
      assert.deepEqual(await store.listClients(tenant.id), []);
      assert.deepEqual(await store.listAuditEvents(tenant.id), []);
      assert.equal(await store.findIdempotencyRecord(tenant.id, client.clientId, 'key-1'), undefined);
      assert.equal((await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/faults`)).statusCode, 404);

      const acme = await tokenRequest(app, {
        clientId: clients.globalAdmin.id,
        clientSecret: clients.globalAdmin.secret,
      });
      assert.equal(acme.statusCode, 200);
      assert.equal((await admin(app, 'DELETE', `/admin/v1/tenants/${tenant.id}`)).statusCode, 404);
    });

    it('resets a tenant to exactly its fixture: same ids and credentials, nothing the API did since', async () => {
      const { app } = suite.built();
      const body = shopTenant();
      const tenant = await createTenant(app, {
        ...body,
        connections: [{ source: 'Global', target: 'Shop-EU', status: 'Connected' }],
      });
      const [client] = tenant.clients;
      assert.ok(client);
      const token = await tokenFor(app, client);
      const api = zuora(app, token, tenant.globalEntityId);
      const before = (await api.list()).json().entityConnections;
      assert.equal(before.length, 1);
      await api.connect(tenant.entities['Shop-US'] ?? '');
      await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/users`, {
        username: 'new@shop.test',
        homeEntity: 'Global',
      });
      await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/clients/${client.clientId}/deactivate`);
      await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/clock/advance`, { days: 3 });
      await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/faults`, { path: '/v1/**', fault: '500' });

      const reset = await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/reset`);
      assert.equal(reset.statusCode, 200, reset.body);
      assert.deepEqual(reset.json().entities, tenant.entities);
      assert.deepEqual(reset.json().users, tenant.users);
      assert.equal(reset.json().clock.offsetMs, 0);

      // The old token is gone with everything else; the same credentials get a new one.
      assert.equal((await api.list()).statusCode, 401);
      const fresh = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
      assert.deepEqual((await fresh.list()).json().entityConnections, before);
      const audit = await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/audit`);
      assert.deepEqual(audit.json().events, []);
      const faults = await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/faults`);
      assert.deepEqual(faults.json().faultRules, []);
    });

    it('does not reset a tenant that kept no fixture (400, category 30)', async () => {
      const { app, store, ids } = await suite.acme();
      // As a tenant loaded from a fixture file before fixture-file tenants kept their fixture.
      await store.updateTenantState(ids.tenant, { fixture: null });
      const response = await admin(app, 'POST', `/admin/v1/tenants/${ids.tenant}/reset`);
      assert.equal(response.statusCode, 400);
      assert.equal(category(response), 30);
    });

    it('documents the admin operations under the Admin tag of /openapi.json', async () => {
      const { app } = suite.built();
      const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
      const operation = document.paths['/admin/v1/tenants'].post;
      assert.deepEqual(operation.tags, ['Admin']);
      assert.deepEqual(operation.security, [{ operatorToken: [] }]);
      assert.ok(document.paths['/admin/v1/tenants/{tenantId}/clock/advance'].post);
      assert.ok(document.paths['/admin/v1/tenants/{tenantId}/audit'].get);
      // Every admin operation, the fault rules, journal and limits included, names the operator token.
      for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
        if (!path.startsWith('/admin/')) continue;
        for (const [method, op] of Object.entries(item)) {
          assert.deepEqual(
            (op as { security?: unknown }).security,
            [{ operatorToken: [] }],
            `${method} ${path}`,
          );
        }
      }
    });
  });

  // A suite of the kind the README describes: a tenant per test, tests in parallel.
  describe(`${database.name}: a tenant per test, in parallel`, { concurrency: true }, () => {
    let built: TestApp | undefined;
    before(async () => {
      built = await buildAdmin(undefined, { database });
      await built.app.ready();
    });
    after(async () => {
      await built?.app.close();
      await built?.store.close();
    });

    for (const name of ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight']) {
      it(`test ${name} sees only its own tenant's connections`, async (t) => {
        assert.ok(built);
        const { app } = built;
        const started = performance.now();
        const tenant = await createTenant(app, shopTenant(`Parallel ${name}`));
        t.diagnostic(`tenant created in ${(performance.now() - started).toFixed(1)} ms`);
        const [client] = tenant.clients;
        assert.ok(client);
        const api = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
        // The same Idempotency-Key in every test: keys are scoped by tenant and client.
        const created = await api.connect(tenant.entities['Shop-US'] ?? '', 'same-key-in-every-test');
        assert.equal(created.statusCode, 200, created.body);
        assert.equal(created.headers['idempotent-replayed'], undefined);
        const listed = (await api.list()).json().entityConnections;
        assert.deepEqual(
          listed.map((c: { id: string }) => c.id),
          [created.json().id],
        );
        assert.equal((await admin(app, 'DELETE', `/admin/v1/tenants/${tenant.id}`)).statusCode, 204);
      });
    }
  });
}
