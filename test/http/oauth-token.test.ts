import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { hashToken } from '../../src/domain/secrets.js';
import { type AcmeFixture, appPerSuite, build, manualClock } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { type AcmeClients, clients, ids } from '../helpers/fixtures.js';
import { describe, it } from '../helpers/node-test.js';

const HOUR = 60 * 60 * 1000;
const uuid = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

function requestToken(app: FastifyInstance, fields: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
}

function credentials(client: { id: string; secret: string }) {
  return { client_id: client.id, client_secret: client.secret, grant_type: 'client_credentials' };
}

function listConnections(app: FastifyInstance, token: string) {
  return app.inject({
    method: 'GET',
    url: '/v1/entity-connections',
    headers: { authorization: `Bearer ${token}`, 'zuora-entity-ids': ids.global },
  });
}

for (const database of testDatabases) {
  describe(`${database.name}: POST /oauth/token`, () => {
    const suite = appPerSuite({ database });

    it('answers a bearer token of Zuora shape whose scope lists the user, the accessible provisioned entities and the tenant', async () => {
      const { app, ids, clients } = await suite.acme();
      const res = await requestToken(app, credentials(clients.globalAdmin));
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), [
        'access_token',
        'expires_in',
        'jti',
        'scope',
        'token_type',
      ]);
      assert.equal(body.token_type, 'bearer');
      assert.equal(body.expires_in, 3599);
      assert.equal(typeof body.access_token, 'string');
      assert.ok(body.access_token.length >= 32);
      assert.equal(typeof body.jti, 'string');
      const scope: string[] = body.scope.split(' ');
      assert.match(scope[0] ?? '', /^user\.[0-9a-f]{32}$/);
      assert.equal(scope.at(-1), `tenant.${ids.tenant}`);
      assert.deepEqual(
        scope.filter((s) => s.startsWith('entity.')).sort(),
        [ids.global, ids.us, ids.eu, ids.apac].map((id) => `entity.${uuid(id)}`).sort(),
      );
      assert.equal(scope.length, 6);
    });

    it('leaves out of the scope the client entities the user cannot access or that are unprovisioned', async () => {
      const { app, store, ids, clients } = await suite.acme(withLabClient);
      const user = await store.findUserByUsername(ids.tenant, 'us-admin@acme.test');
      assert.ok(user);
      // Access to EU taken away after the client was made: the next token leaves EU out.
      await store.upsertMembership({
        userId: user.id,
        entityId: ids.eu,
        role: 'Standard User',
        status: 'Access Denied',
        updatedAt: Date.now(),
      });
      const res = await requestToken(app, credentials(clients.usAdmin));
      assert.equal(res.statusCode, 200);
      const entities = res
        .json()
        .scope.split(' ')
        .filter((s: string) => s.startsWith('entity.'));
      // The client names US, EU and Lab: EU is no longer accessible and Lab is unprovisioned.
      assert.deepEqual(entities, [`entity.${uuid(ids.us)}`]);
    });

    it('issues a new token each time, with a new jti', async () => {
      const { app, clients } = await suite.acme();
      const first = (await requestToken(app, credentials(clients.globalAdmin))).json();
      const second = (await requestToken(app, credentials(clients.globalAdmin))).json();
      assert.notEqual(first.access_token, second.access_token);
      assert.notEqual(first.jti, second.jti);
    });

    for (const [title, fieldsOf] of [
      [
        'a wrong secret',
        (clients: AcmeClients) => ({ ...credentials(clients.globalAdmin), client_secret: 'wrong' }),
      ],
      [
        'an unknown client',
        (clients: AcmeClients) => ({
          ...credentials(clients.globalAdmin),
          client_id: '99999999-9999-4999-8999-999999999999',
        }),
      ],
      [
        "another client's secret",
        (clients: AcmeClients) => ({
          ...credentials(clients.globalAdmin),
          client_secret: clients.euAdmin.secret,
        }),
      ],
    ] as const) {
      it(`answers 401 with code 90000011 and WWW-Authenticate for ${title}`, async () => {
        const { app, clients } = await suite.acme();
        const res = await requestToken(app, fieldsOf(clients));
        assert.equal(res.statusCode, 401);
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
        const body = res.json();
        assert.equal(body.success, false);
        assert.equal(body.reasons[0].code, 90000011);
        assert.match(body.processId, /^[0-9A-F]{16}$/);
      });
    }

    it('answers 400 with category 20 for a grant type other than client_credentials', async () => {
      const { app, clients } = await suite.acme();
      const res = await requestToken(app, { ...credentials(clients.globalAdmin), grant_type: 'password' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().reasons[0].code % 100, 20);
    });

    for (const field of ['client_id', 'client_secret', 'grant_type'] as const) {
      it(`answers 400 with category 22 naming ${field} when it is missing`, async () => {
        const { app, clients } = await suite.acme();
        const fields: Record<string, string> = credentials(clients.globalAdmin);
        delete fields[field];
        const res = await requestToken(app, fields);
        assert.equal(res.statusCode, 400);
        const reason = res.json().reasons[0];
        assert.equal(reason.code % 100, 22);
        assert.match(reason.message, new RegExp(field));
      });
    }

    it('answers 400 with category 22 when the form is empty', async () => {
      const { app } = await suite.acme();
      const res = await app.inject({ method: 'POST', url: '/oauth/token' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().reasons[0].code % 100, 22);
    });

    it('gives a token that works for an hour and not after', async (t) => {
      const clock = manualClock();
      const { app } = await build(t, { database, clock });
      const token = (await requestToken(app, credentials(clients.globalAdmin))).json().access_token;
      assert.equal((await listConnections(app, token)).statusCode, 200);
      clock.advance(HOUR - 1000);
      assert.equal((await listConnections(app, token)).statusCode, 200);
      clock.advance(1000);
      const expired = await listConnections(app, token);
      assert.equal(expired.statusCode, 401);
      assert.equal(expired.json().reasons[0].code, 90000011);
      assert.match(String(expired.headers['www-authenticate']), /^Bearer/);
    });

    it('stores tokens and client secrets only as hashes', async () => {
      const { app, store, ids, clients } = await suite.acme();
      const token = (await requestToken(app, credentials(clients.globalAdmin))).json().access_token;

      assert.equal((await store.findBearer(token))?.token, undefined);
      const stored = (await store.findBearer(hashToken(token)))?.token;
      assert.ok(stored);
      assert.ok(!JSON.stringify(stored).includes(token));

      const storedClients = await store.listClients(ids.tenant);
      assert.ok(storedClients.length > 0);
      const dump = JSON.stringify(storedClients);
      for (const client of Object.values(clients)) assert.ok(!dump.includes(client.secret));
      const client = await store.findClient(clients.globalAdmin.id);
      assert.ok(client);
      assert.notEqual(client.secretHash, clients.globalAdmin.secret);
    });
  });
}

/** Acme, with the US admin's two-entity client also naming Lab (unprovisioned, but accessible). */
function withLabClient(fixture: AcmeFixture): void {
  const usAdmin = fixture.tenants[0]?.users.find((u) => u.username === 'us-admin@acme.test');
  assert.ok(usAdmin);
  (usAdmin.access as Record<string, string>)['Acme-Lab'] = 'Administrator';
  const client = usAdmin.clients[0];
  assert.ok(client);
  client.entities = ['Acme-US', 'Acme-EU', 'Acme-Lab'];
}
