import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';
import { admin, buildAdmin, category, createTenant, zuora } from './admin-helpers.js';

for (const database of testDatabases) {
  describe(`${database.name}: the audit trail`, () => {
    it('records a deny with the acting user, client and entity, before and after', async (t) => {
      const { app } = await buildAdmin(t, { database });
      const tenant = await createTenant(app);
      const [client] = tenant.clients;
      assert.ok(client);
      const us = tenant.entities['Shop-US'] ?? '';
      const token = await tokenFor(app, client);
      const id = (await zuora(app, token, tenant.globalEntityId).connect(us)).json().id;
      const denied = await zuora(app, token, us).act(id, 'deny');
      assert.equal(denied.statusCode, 200, denied.body);

      const response = await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/audit?action=connection.deny`);
      assert.equal(response.statusCode, 200);
      const events = response.json().events;
      assert.equal(events.length, 1);
      const [event] = events;
      assert.equal(event.action, 'connection.deny');
      assert.equal(event.resourceType, 'connection');
      assert.equal(event.resourceId, id);
      assert.equal(event.userId, tenant.users['admin@shop.test']);
      assert.equal(event.clientId, client.clientId);
      assert.equal(event.entityId, us);
      assert.equal(event.before.status, 'Pending');
      assert.equal(event.before.targetEntityId, us);
      assert.equal(event.after, null);
      assert.ok(Math.abs(Date.parse(event.at) - Date.now()) < 60_000);
    });

    it('filters by resource and limits, newest first', async (t) => {
      const { app } = await buildAdmin(t, { database });
      const tenant = await createTenant(app);
      const [client] = tenant.clients;
      assert.ok(client);
      const token = await tokenFor(app, client);
      const api = zuora(app, token, tenant.globalEntityId);
      const toUs = (await api.connect(tenant.entities['Shop-US'] ?? '')).json().id;
      await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/clock/advance`, { seconds: 1 });
      const toEu = (await api.connect(tenant.entities['Shop-EU'] ?? '')).json().id;

      const all = (await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/audit`)).json().events;
      assert.deepEqual(
        all.map((e: { resourceId: string }) => e.resourceId),
        [toEu, toUs],
      );
      const one = (await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/audit?resourceId=${toUs}`)).json();
      assert.deepEqual(
        one.events.map((e: { action: string }) => e.action),
        ['connection.request'],
      );
      const limited = (await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/audit?limit=1`)).json();
      assert.equal(limited.events.length, 1);
      assert.equal(limited.events[0].resourceId, toEu);
    });

    it('records the operator deactivating a user, with no acting user or client', async (t) => {
      const { app } = await buildAdmin(t, { database });
      const tenant = await createTenant(app);
      const userId = tenant.users['admin@shop.test'];
      await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/users/${userId}/deactivate`);
      const [event] = (
        await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/audit?resourceId=${userId}`)
      ).json().events;
      assert.equal(event.action, 'user.deactivate');
      assert.equal(event.userId, null);
      assert.equal(event.clientId, null);
      assert.deepEqual(event.before, { status: 'Active' });
      assert.deepEqual(event.after, { status: 'Inactive' });
    });

    it('refuses a limit over 1000 (400, category 20) and an unknown tenant (404)', async (t) => {
      const { app } = await buildAdmin(t, { database });
      const tenant = await createTenant(app);
      const tooMany = await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/audit?limit=1001`);
      assert.equal(tooMany.statusCode, 400);
      assert.equal(category(tooMany), 20);
      assert.equal((await admin(app, 'GET', '/admin/v1/tenants/1/audit')).statusCode, 404);
    });

    it('is closed without the operator token (401) and with a Zuora OAuth token (403)', async (t) => {
      const { app } = await buildAdmin(t, { database });
      const tenant = await createTenant(app);
      const url = `/admin/v1/tenants/${tenant.id}/audit`;
      const none = await app.inject({ method: 'GET', url });
      assert.equal(none.statusCode, 401);
      assert.equal(category(none), 11);
      const [client] = tenant.clients;
      assert.ok(client);
      const oauth = await app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${await tokenFor(app, client)}` },
      });
      assert.equal(oauth.statusCode, 403);
      assert.equal(category(oauth), 10);
    });
  });
}
