import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { appPerSuite } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import type { AcmeIds } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';

const uuid = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

function list(app: FastifyInstance, headers: Record<string, string>) {
  return app.inject({ method: 'GET', url: '/v1/entity-connections', headers });
}

function connect(app: FastifyInstance, headers: Record<string, string>, targetEntityId: string) {
  return app.inject({ method: 'POST', url: '/v1/entity-connections', headers, payload: { targetEntityId } });
}

const category = (res: { json(): { reasons: { code: number }[] } }) =>
  (res.json().reasons[0]?.code ?? 0) % 100;

for (const database of testDatabases) {
  describe(`${database.name}: entity context (Zuora-Entity-Ids)`, () => {
    const suite = appPerSuite({ database });

    it('needs no header when the token is valid for one entity', async () => {
      const { app, ids, clients } = await suite.acme();
      const token = await tokenFor(app, clients.usAdminSingle);
      const res = await connect(app, { authorization: `Bearer ${token}` }, ids.eu);
      // The single entity (US) is the source.
      assert.equal(res.statusCode, 200, res.body);
      const listed = await list(app, { authorization: `Bearer ${token}` });
      assert.equal(listed.statusCode, 200);
      assert.equal(listed.json().entityConnections[0].sourceEntityId, ids.us);
    });

    it('answers 400 with category 23 when the token is valid for several entities and no header is given', async () => {
      const { app, clients } = await suite.acme();
      const token = await tokenFor(app, clients.globalAdmin);
      const res = await list(app, { authorization: `Bearer ${token}` });
      assert.equal(res.statusCode, 400);
      assert.equal(category(res), 23);
    });

    for (const [spelling, spell] of [
      ['32 hex characters', (id: string) => id],
      ['a UUID', uuid],
      ['upper-case hex', (id: string) => id.toUpperCase()],
      ['an upper-case UUID', (id: string) => uuid(id).toUpperCase()],
    ] as const) {
      it(`acts in the entity the header names as ${spelling}`, async () => {
        const { app, ids, clients } = await suite.acme();
        const value = spell(ids.us);
        const token = await tokenFor(app, clients.globalAdmin);
        const created = await connect(
          app,
          { authorization: `Bearer ${token}`, 'zuora-entity-ids': value },
          ids.eu,
        );
        assert.equal(created.statusCode, 200, created.body);
        const listed = await list(app, { authorization: `Bearer ${token}`, 'zuora-entity-ids': ids.us });
        assert.deepEqual(
          listed.json().entityConnections.map((c: { sourceEntityId: string }) => c.sourceEntityId),
          [ids.us],
        );
      });
    }

    it('answers 403 with category 10 for an entity outside the token scope', async () => {
      const { app, ids, clients } = await suite.acme();
      const token = await tokenFor(app, clients.usAdmin);
      const res = await list(app, { authorization: `Bearer ${token}`, 'zuora-entity-ids': ids.global });
      assert.equal(res.statusCode, 403);
      assert.equal(category(res), 10);
    });

    it('answers 403 with category 10 for an entity the single-entity token does not name', async () => {
      const { app, ids, clients } = await suite.acme();
      const token = await tokenFor(app, clients.usAdminSingle);
      const res = await list(app, { authorization: `Bearer ${token}`, 'zuora-entity-ids': ids.eu });
      assert.equal(res.statusCode, 403);
      assert.equal(category(res), 10);
    });

    it('answers 403 when access to an entity of the scope was taken away after the token was issued', async () => {
      const { app, store, ids, clients } = await suite.acme();
      const token = await tokenFor(app, clients.usAdmin);
      const user = await store.findUserByUsername(ids.tenant, 'us-admin@acme.test');
      assert.ok(user);
      await store.upsertMembership({
        userId: user.id,
        entityId: ids.eu,
        role: 'Standard User',
        status: 'Access Denied',
        updatedAt: Date.now(),
      });
      const res = await list(app, { authorization: `Bearer ${token}`, 'zuora-entity-ids': ids.eu });
      assert.equal(res.statusCode, 403);
      assert.equal(category(res), 10);
    });

    for (const [title, malform] of [
      ['not-an-id', () => 'not-an-id'],
      ['<US id>0', (ids: AcmeIds) => `${ids.us}0`],
      ['<US id>,<EU id>', (ids: AcmeIds) => `${ids.us},${ids.eu}`],
      ['zz808255557baba1015580e12fa5083a', () => 'zz808255557baba1015580e12fa5083a'],
    ] as const) {
      it(`answers 400 with category 20 for the malformed header '${title}'`, async () => {
        const { app, ids, clients } = await suite.acme();
        const malformed = malform(ids);
        const token = await tokenFor(app, clients.globalAdmin);
        const res = await list(app, { authorization: `Bearer ${token}`, 'zuora-entity-ids': malformed });
        assert.equal(res.statusCode, 400);
        assert.equal(category(res), 20);
      });
    }

    it("never shows another tenant's token this tenant's data", async () => {
      const { app, ids, clients } = await suite.acme();
      const acme = await tokenFor(app, clients.globalAdmin);
      const created = await connect(
        app,
        { authorization: `Bearer ${acme}`, 'zuora-entity-ids': ids.global },
        ids.us,
      );
      assert.equal(created.statusCode, 200);
      const connectionId = created.json().id;

      const other = await tokenFor(app, clients.otherTenantAdmin);
      const acting = { authorization: `Bearer ${other}`, 'zuora-entity-ids': ids.otherGlobal };
      const listed = await list(app, acting);
      assert.equal(listed.statusCode, 200);
      assert.deepEqual(listed.json().entityConnections, []);

      // Naming an Acme entity as the context: not in the token's scope.
      const intoAcme = await list(app, { authorization: `Bearer ${other}`, 'zuora-entity-ids': ids.global });
      assert.equal(intoAcme.statusCode, 403);

      for (const action of ['accept', 'deny', 'disconnect']) {
        const res = await app.inject({
          method: 'PUT',
          url: `/v1/entity-connections/${connectionId}/${action}`,
          headers: acting,
        });
        assert.equal(res.statusCode, 404, `${action}: ${res.body}`);
      }
      const toAcme = await connect(app, acting, ids.us);
      assert.equal(toAcme.statusCode, 404);
    });

    for (const [title, authorization] of [
      ['no Authorization header', undefined],
      ['an unknown token', 'Bearer 0123456789abcdef0123456789abcdef'],
      ['a Basic credential', 'Basic dXNlcjpwYXNz'],
      ['an empty bearer', 'Bearer '],
    ] as const) {
      it(`answers 401 with code 90000011 for ${title}`, async () => {
        const { app, ids } = await suite.acme();
        const headers: Record<string, string> = { 'zuora-entity-ids': ids.global };
        if (authorization !== undefined) headers.authorization = authorization;
        const res = await list(app, headers);
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().reasons[0].code, 90000011);
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      });
    }

    it('answers 401 before looking at the entity header', async () => {
      const { app } = await suite.acme();
      const res = await list(app, { 'zuora-entity-ids': 'garbage' });
      assert.equal(res.statusCode, 401);
    });
  });
}
