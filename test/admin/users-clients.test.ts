import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { tokenFor, tokenRequest } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';
import { admin, adminPerSuite, category, createTenant, shopTenant, zuora } from './admin-helpers.js';

for (const database of testDatabases) {
  describe(`${database.name}: admin users and OAuth clients`, () => {
    // Each test makes a tenant of its own through the admin API.
    const suite = adminPerSuite({ database });
    it('creates a user with a home entity and access, and lists it', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const created = await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/users`, {
        username: 'eu@shop.test',
        homeEntity: 'Shop-EU',
        access: { 'Shop-EU': 'Administrator', [tenant.entities['Shop-US'] ?? '']: 'Standard User' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const user = created.json();
      assert.match(user.id, /^[0-9a-f]{32}$/);
      assert.deepEqual(user, {
        id: user.id,
        username: 'eu@shop.test',
        homeEntityId: tenant.entities['Shop-EU'],
        status: 'Active',
        access: {
          [tenant.entities['Shop-EU'] ?? '']: 'Administrator',
          [tenant.entities['Shop-US'] ?? '']: 'Standard User',
        },
      });
      const list = await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/users`);
      assert.deepEqual(
        list.json().users.map((u: { username: string }) => u.username),
        ['admin@shop.test', 'eu@shop.test'],
      );
    });

    it('refuses a username the tenant has (400, category 20) and an unknown entity (404, category 40)', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const url = `/admin/v1/tenants/${tenant.id}/users`;
      const taken = await admin(app, 'POST', url, { username: 'admin@shop.test', homeEntity: 'Global' });
      assert.equal(taken.statusCode, 400);
      assert.equal(category(taken), 20);
      const unknown = await admin(app, 'POST', url, { username: 'x@shop.test', homeEntity: 'Shop-UK' });
      assert.equal(unknown.statusCode, 404);
      assert.equal(category(unknown), 40);
    });

    it('creates a client for a user with its entities; the secret is shown once and works', async () => {
      const { app, store } = suite.built();
      const tenant = await createTenant(app);
      await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/users`, {
        username: 'us@shop.test',
        homeEntity: 'Shop-US',
        access: { 'Shop-US': 'Administrator' },
      });
      const created = await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/clients`, {
        user: 'us@shop.test',
        entities: ['Shop-US'],
      });
      assert.equal(created.statusCode, 201, created.body);
      const client = created.json();
      assert.equal(client.clientId.length, 36);
      assert.deepEqual(client.entityIds, [tenant.entities['Shop-US']]);
      assert.equal(client.status, 'Active');

      const token = await tokenRequest(app, client);
      assert.equal(token.statusCode, 200, token.body);
      assert.match(token.json().scope, new RegExp(`tenant\\.${tenant.id}$`));

      const listed = await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/clients`);
      const again = listed.json().clients.find((c: { clientId: string }) => c.clientId === client.clientId);
      assert.deepEqual(Object.keys(again).sort(), ['clientId', 'entityIds', 'status', 'userId']);
      assert.ok(!listed.body.includes(client.clientSecret));
      assert.ok(!(await store.findClient(client.clientId))?.secretHash.includes(client.clientSecret));
    });

    it('refuses a client secret shorter than 16 characters (400, category 20, naming clientSecret), in a client and in a tenant body', {
      timeout: 30_000,
    }, async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const short = await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/clients`, {
        user: 'admin@shop.test',
        entities: ['Global'],
        clientSecret: 'x',
      });
      assert.equal(short.statusCode, 400, short.body);
      assert.equal(category(short), 20);
      assert.match(short.json().reasons[0].message, /clientSecret.*16/);

      const body = shopTenant('Short');
      const user = body.users[0];
      assert.ok(user);
      const inBody = await admin(app, 'POST', '/admin/v1/tenants', {
        ...body,
        users: [{ ...user, clients: [{ clientSecret: '0123456789abcde', entities: ['Global'] }] }],
      });
      assert.equal(inBody.statusCode, 400, inBody.body);
      assert.equal(category(inBody), 20);
      assert.match(inBody.json().reasons[0].message, /clientSecret.*16/);

      const sixteen = await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/clients`, {
        user: 'admin@shop.test',
        entities: ['Global'],
        clientSecret: '0123456789abcdef',
      });
      assert.equal(sixteen.statusCode, 201, sixteen.body);
      assert.equal((await tokenRequest(app, sixteen.json())).statusCode, 200);
    });

    it('refuses a client for an entity its user cannot access (400, category 20)', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/users`, {
        username: 'us@shop.test',
        homeEntity: 'Shop-US',
      });
      const response = await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/clients`, {
        user: 'us@shop.test',
        entities: ['Shop-EU'],
      });
      assert.equal(response.statusCode, 400);
      assert.equal(category(response), 20);
    });

    it('deactivating a client stops its tokens at once and refuses it new ones', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const [client] = tenant.clients;
      assert.ok(client);
      const api = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
      assert.equal((await api.list()).statusCode, 200);

      const response = await admin(
        app,
        'POST',
        `/admin/v1/tenants/${tenant.id}/clients/${client.clientId}/deactivate`,
      );
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().status, 'Inactive');

      const refused = await api.list();
      assert.equal(refused.statusCode, 401);
      assert.equal(refused.json().reasons[0].code, 90000011);
      assert.equal((await tokenRequest(app, client)).statusCode, 401);
    });

    it('deactivating a user stops the tokens of its clients at once', async () => {
      const { app } = suite.built();
      const tenant = await createTenant(app);
      const [client] = tenant.clients;
      assert.ok(client);
      const api = zuora(app, await tokenFor(app, client), tenant.globalEntityId);
      const userId = tenant.users['admin@shop.test'];
      const response = await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/users/${userId}/deactivate`);
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().status, 'Inactive');
      assert.equal((await api.list()).statusCode, 401);
      assert.equal((await tokenRequest(app, client)).statusCode, 401);
    });

    it('answers 404 (category 40) for a user or client of another tenant', async () => {
      const { app } = suite.built();
      const one = await createTenant(app);
      const two = await createTenant(app);
      const user = await admin(
        app,
        'POST',
        `/admin/v1/tenants/${two.id}/users/${one.users['admin@shop.test']}/deactivate`,
      );
      assert.equal(user.statusCode, 404);
      assert.equal(category(user), 40);
      const client = await admin(
        app,
        'POST',
        `/admin/v1/tenants/${two.id}/clients/${one.clients[0]?.clientId}/deactivate`,
      );
      assert.equal(client.statusCode, 404);
      assert.equal(category(client), 40);
    });
  });
}
