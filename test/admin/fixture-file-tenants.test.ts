import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { acmeFixture, clients, ids } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';
import { admin, buildAdmin, zuora } from './admin-helpers.js';

const globalAdmin = { clientId: clients.globalAdmin.id, clientSecret: clients.globalAdmin.secret };

/** The Acme fixture file with a limit profile, as a suite's fixture might set one. */
function acmeWithLimits() {
  const fixture = acmeFixture();
  const [acme, ...rest] = fixture.tenants;
  return { tenants: [{ ...acme, limits: { profile: 'production' as const, perMinute: 5000 } }, ...rest] };
}

/** A tenant with no id, only a seed: the ids of a suite's runs must not depend on anything else. */
function seededFixture() {
  return {
    tenants: [
      {
        name: 'Seeded',
        idSeed: 'suite-run',
        entities: [
          {
            name: 'Global',
            locale: 'en_US',
            timezone: 'GMT',
            children: [{ name: 'Seeded-US', locale: 'en_US', timezone: 'America/New_York' }],
          },
        ],
        users: [
          {
            username: 'admin@seeded.test',
            homeEntity: 'Global',
            access: { Global: 'Administrator', 'Seeded-US': 'Administrator' },
            clients: [
              {
                clientId: '66666666-6666-4666-8666-666666666666',
                clientSecret: 'seeded-secret-0123',
                entities: ['Global', 'Seeded-US'],
              },
            ],
          },
        ],
      },
    ],
  };
}

for (const database of testDatabases) {
  describe(`${database.name}: tenants from a fixture file`, () => {
    it('resets a tenant loaded from a fixture file to that fixture, with its client secrets and limits', async (t) => {
      const { app } = await buildAdmin(t, { database, fixture: acmeWithLimits() });
      const tenant = await admin(app, 'GET', `/admin/v1/tenants/${ids.tenant}`);
      assert.equal(tenant.statusCode, 200, tenant.body);
      assert.equal(tenant.json().resettable, true);

      const token = await tokenFor(app, globalAdmin);
      const connected = await zuora(app, token, ids.global).connect(ids.us);
      assert.equal(connected.statusCode, 200, connected.body);
      const user = await admin(app, 'POST', `/admin/v1/tenants/${ids.tenant}/users`, {
        username: 'added@acme.test',
        homeEntity: 'Global',
      });
      assert.equal(user.statusCode, 201, user.body);
      const limits = await admin(app, 'PUT', `/admin/v1/tenants/${ids.tenant}/limits`, { profile: 'off' });
      assert.equal(limits.statusCode, 200, limits.body);

      const reset = await admin(app, 'POST', `/admin/v1/tenants/${ids.tenant}/reset`);
      assert.equal(reset.statusCode, 200, reset.body);
      assert.equal(reset.json().globalEntityId, ids.global);
      assert.deepEqual(Object.keys(reset.json().users).sort(), [
        'admin@acme.test',
        'clerk@acme.test',
        'eu-admin@acme.test',
        'us-admin@acme.test',
      ]);
      // The fixture's secret still gives a token: the stored hash is the one the loader wrote.
      const again = await tokenFor(app, globalAdmin);
      const listed = await zuora(app, again, ids.global).list();
      assert.equal(listed.statusCode, 200, listed.body);
      assert.deepEqual(listed.json().entityConnections, []);
      const restored = await admin(app, 'GET', `/admin/v1/tenants/${ids.tenant}/limits`);
      assert.equal(restored.json().settings.profile, 'production');
      assert.equal(restored.json().settings.perMinute, 5000);
    });

    it('leaves the other tenants of the same fixture file as they are on reset', async (t) => {
      const { app } = await buildAdmin(t, { database });
      const other = { clientId: clients.otherTenantAdmin.id, clientSecret: clients.otherTenantAdmin.secret };
      const token = await tokenFor(app, other);
      const connected = await zuora(app, token, ids.otherGlobal).connect(ids.otherSub);
      assert.equal(connected.statusCode, 200, connected.body);

      const reset = await admin(app, 'POST', `/admin/v1/tenants/${ids.tenant}/reset`);
      assert.equal(reset.statusCode, 200, reset.body);
      const listed = await zuora(app, token, ids.otherGlobal).list();
      assert.equal(listed.json().entityConnections.length, 1);
    });

    it('derives the tenant id from idSeed and generates the same ids on every load', async (t) => {
      const seededClient = {
        clientId: '66666666-6666-4666-8666-666666666666',
        clientSecret: 'seeded-secret-0123',
      };
      const runs: { tenantId: string; idSeed: unknown; connectionId: string }[] = [];
      for (let run = 0; run < 2; run++) {
        const { app } = await buildAdmin(t, { database, fixture: seededFixture() });
        const listed = await admin(app, 'GET', '/admin/v1/tenants');
        const [tenant] = listed.json().tenants;
        const detail = (await admin(app, 'GET', `/admin/v1/tenants/${tenant.id}`)).json();
        const token = await tokenFor(app, seededClient);
        const connected = await zuora(app, token, detail.globalEntityId).connect(
          detail.entities['Seeded-US'],
        );
        assert.equal(connected.statusCode, 200, connected.body);
        runs.push({ tenantId: tenant.id, idSeed: tenant.idSeed, connectionId: connected.json().id });
      }
      assert.equal(runs[0]?.idSeed, 'suite-run');
      assert.match(runs[0]?.tenantId ?? '', /^\d+$/);
      assert.deepEqual(runs[1], runs[0]);
    });
  });
}
