import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { tokenRequest } from '../helpers/http.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';
import { admin, buildAdmin, createTenant, shopTenant, zuora } from './admin-helpers.js';

for (const database of testDatabases) {
  describe(`${database.name}: deterministic ids`, () => {
    /** What a short suite sees: a seeded tenant, a token, a connection, a user, a client. */
    async function run(t: TestContext, seed: string) {
      const { app } = await buildAdmin(t, { database });
      const tenant = await createTenant(app, { ...shopTenant(), idSeed: seed });
      const [client] = tenant.clients;
      assert.ok(client);
      const token = await tokenRequest(app, client);
      const api = zuora(app, token.json().access_token, tenant.globalEntityId);
      const connection = (await api.connect(tenant.entities['Shop-US'] ?? '')).json().id;
      const user = (
        await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/users`, {
          username: 'u@shop.test',
          homeEntity: 'Global',
        })
      ).json().id;
      const extraClient = (
        await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/clients`, {
          user: 'u@shop.test',
          entities: ['Global'],
        })
      ).json();
      const audit = (await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}/audit`)).json().events;
      return {
        app,
        tenant,
        ids: {
          tenant: tenant.id,
          entities: tenant.entities,
          clientId: client.clientId,
          jti: token.json().jti,
          connection,
          user,
          extraClientId: extraClient.clientId,
          auditIds: audit.map((e: { id: string }) => e.id),
        },
        secrets: [client.clientSecret, extraClient.clientSecret, token.json().access_token],
      };
    }

    it('gives the same ids on two runs with the same seed, on two fresh servers', async (t) => {
      const first = await run(t, 'suite-abc');
      const second = await run(t, 'suite-abc');
      assert.deepEqual(second.ids, first.ids);
      assert.match(first.ids.clientId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
      // Secrets and bearer tokens are never derived from the seed.
      for (const [i, secret] of first.secrets.entries()) assert.notEqual(second.secrets[i], secret);
    });

    it('gives other ids for another seed', async (t) => {
      const first = await run(t, 'suite-abc');
      const other = await run(t, 'suite-xyz');
      assert.notEqual(other.ids.tenant, first.ids.tenant);
      assert.notEqual(other.ids.clientId, first.ids.clientId);
      assert.notEqual(other.ids.connection, first.ids.connection);
    });

    it('gives the same ids again after a reset of a seeded tenant', async (t) => {
      const { app, tenant, ids } = await run(t, 'suite-reset');
      const reset = await admin(app, 'POST', `/admin/v1/tenants/${tenant.id}/reset`);
      assert.equal(reset.statusCode, 200);
      const [client] = tenant.clients;
      assert.ok(client);
      // The same calls in the same order after a reset give the same ids again.
      const token = await tokenRequest(app, client);
      assert.equal(token.json().jti, ids.jti);
      const api = zuora(app, token.json().access_token, tenant.globalEntityId);
      const connection = (await api.connect(tenant.entities['Shop-US'] ?? '')).json().id;
      assert.equal(connection, ids.connection);
    });

    it('refuses a second tenant with the same seed while the first exists (400)', async (t) => {
      const { app } = await buildAdmin(t, { database });
      await createTenant(app, { ...shopTenant(), idSeed: 'one-per-test' });
      const again = await admin(app, 'POST', '/admin/v1/tenants', {
        ...shopTenant(),
        idSeed: 'one-per-test',
      });
      assert.equal(again.statusCode, 400);
      assert.match(again.json().reasons[0].message, /already exists/);
    });
  });
}
