import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ConnectionStatus } from '../../src/domain/model.js';
import { type AcmeFixture, appPerSuite } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { orderedPairs, wide, wideFixture } from '../helpers/fixtures.js';
import { assertError, assertSuccessOnly, type Client, callerFor, tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';

/** One client's token, acting in one entity, calling the connection operations. */
interface ConnectionCaller {
  list(query?: string): Promise<LightMyRequestResponse>;
  request(body: unknown): Promise<LightMyRequestResponse>;
  connect(targetEntityId: string): Promise<LightMyRequestResponse>;
  act(connectionId: string, action: 'accept' | 'deny' | 'disconnect'): Promise<LightMyRequestResponse>;
}

async function connectionsAs(
  app: FastifyInstance,
  client: Client,
  entityId: string,
): Promise<ConnectionCaller> {
  const caller = await callerFor(app, client, entityId);
  const request = (body: unknown) => caller.post('/v1/entity-connections', body);
  return {
    list: (query = '') => caller.get(`/v1/entity-connections${query}`),
    request,
    connect: (targetEntityId) => request({ targetEntityId }),
    act: (connectionId, action) => caller.put(`/v1/entity-connections/${connectionId}/${action}`),
  };
}

async function connectOk(caller: ConnectionCaller, targetEntityId: string): Promise<string> {
  const res = await caller.connect(targetEntityId);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['id', 'success']);
  assert.equal(body.success, true);
  assert.match(body.id, /^[0-9a-f]{32}$/);
  return body.id;
}

interface WireConnection {
  id: string;
  sourceEntityId: string;
  targetEntityId: string;
  status: ConnectionStatus;
}

async function listAll(caller: ConnectionCaller, query = ''): Promise<WireConnection[]> {
  const res = await caller.list(query);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().entityConnections;
}

/** The Acme fixture with the global admin also administering the unprovisioned Lab. */
function withLabAdmin(fixture: AcmeFixture): void {
  const admin = fixture.tenants[0]?.users.find((u) => u.username === 'admin@acme.test');
  assert.ok(admin);
  (admin.access as Record<string, string>)['Acme-Lab'] = 'Administrator';
}

for (const database of testDatabases) {
  describe(`${database.name}: POST /v1/entity-connections`, () => {
    const suite = appPerSuite({ database });

    it('creates a Pending connection from the acting entity and answers exactly {id, success}', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      const id = await connectOk(global, ids.us);
      const listed = await listAll(global);
      assert.deepEqual(listed, [
        { id, sourceEntityId: ids.global, targetEntityId: ids.us, status: 'Pending' },
      ]);
      for (const connection of listed)
        assert.deepEqual(
          Object.keys(connection).sort(),
          ['id', 'targetEntityId', 'sourceEntityId', 'status'].sort(),
        );
    });

    it('accepts an upper-case target id', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      await connectOk(global, ids.us.toUpperCase());
      assert.equal((await listAll(global))[0]?.targetEntityId, ids.us);
    });

    it('answers 403 with category 10 when the caller is not an administrator of the acting entity', async () => {
      const { app, ids, clients } = await suite.acme();
      const clerk = await connectionsAs(app, clients.standard, ids.global);
      assertError(await clerk.connect(ids.us), 403, 10);
      // The US admin holds only Standard access in EU.
      const usInEu = await connectionsAs(app, clients.usAdmin, ids.eu);
      assertError(await usInEu.connect(ids.us), 403, 10);
    });

    it('answers 400 with category 22 when targetEntityId is missing', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      assertError(await global.request({}), 400, 22);
    });

    it('answers 400 with category 20 when targetEntityId is longer than 32 characters or not a string', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      assertError(await global.connect(`${ids.us}0`), 400, 20);
      // JSON values of another type are refused, not coerced into strings such as "true" or "".
      for (const targetEntityId of [42, true, null, { id: ids.us }])
        assertError(await global.request({ targetEntityId }), 400, 20);
      assertError(await global.request({ targetEntityId: [ids.us, ids.eu] }), 400, 20);
    });

    it('answers 400 with category 30 for a connection to the acting entity itself', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      assertError(await global.connect(ids.global), 400, 30);
    });

    it("answers 404 with category 40 for an unknown target and for another tenant's entity alike", async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      assertError(await global.connect(randomBytes(16).toString('hex')), 404, 40);
      assertError(await global.connect('not-an-entity'), 404, 40);
      assertError(await global.connect(ids.otherGlobal), 404, 40);
      assertError(await global.connect(ids.otherSub), 404, 40);
    });

    it('answers 403 with category 10 for a target the user cannot access', async () => {
      const { app, ids, clients } = await suite.acme();
      const us = await connectionsAs(app, clients.usAdmin, ids.us);
      assertError(await us.connect(ids.global), 403, 10);
      assertError(await us.connect(ids.apac), 403, 10);
    });

    it('answers 400 with category 30 for an unprovisioned target', async () => {
      const { app, ids, clients } = await suite.acme(withLabAdmin);
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      assertError(await global.connect(ids.lab), 400, 30);
    });

    it('answers 400 with category 30 for a second Pending or Connected connection of the same ordered pair', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      const us = await connectionsAs(app, clients.usAdminSingle, ids.us);
      const id = await connectOk(global, ids.us);
      assertError(await global.connect(ids.us), 400, 30);
      assertSuccessOnly(await us.act(id, 'accept'));
      assertError(await global.connect(ids.us), 400, 30);
      assert.equal((await listAll(global)).length, 1);
    });

    it('allows the reverse pair while the first is open', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      const us = await connectionsAs(app, clients.globalAdmin, ids.us);
      const forward = await connectOk(global, ids.us);
      const reverse = await connectOk(us, ids.global);
      assert.notEqual(forward, reverse);
      assert.equal((await listAll(global)).length, 2);
    });

    it('makes a new connection id for a new request after Disconnected', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      const us = await connectionsAs(app, clients.usAdminSingle, ids.us);
      const first = await connectOk(global, ids.us);
      assertSuccessOnly(await us.act(first, 'accept'));
      assertSuccessOnly(await global.act(first, 'disconnect'));
      const second = await connectOk(global, ids.us);
      assert.notEqual(second, first);
      const byId = new Map((await listAll(global)).map((c) => [c.id, c.status]));
      assert.deepEqual(Object.fromEntries(byId), { [first]: 'Disconnected', [second]: 'Pending' });
    });

    it('answers 200 to 56 concurrent fresh-key requests on distinct pairs, one Pending connection each', {
      timeout: 60_000,
    }, async () => {
      const { app } = await suite.load(wideFixture(7));
      const token = await tokenFor(app, wide.client);
      const pairs = orderedPairs(wide.entityIds(7));
      const answers = await Promise.all(
        pairs.map(([from, to], i) =>
          app.inject({
            method: 'POST',
            url: '/v1/entity-connections',
            headers: {
              authorization: `Bearer ${token}`,
              'zuora-entity-ids': from,
              'idempotency-key': `distinct-${i}-${randomBytes(4).toString('hex')}`,
            },
            payload: { targetEntityId: to },
          }),
        ),
      );
      for (const answer of answers) assert.equal(answer.statusCode, 200, answer.body);
      for (const [i, [from, to]] of pairs.entries()) {
        const caller = await connectionsAs(app, wide.client, from);
        const open = (await listAll(caller, '?type=outbound&pageSize=300')).filter(
          (c) => c.targetEntityId === to,
        );
        assert.deepEqual(
          open.map((c) => [c.id, c.status]),
          [[answers[i]?.json().id, 'Pending']],
        );
      }
    });

    it('answers 400 with category 21 for an unknown body field', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      assertError(await global.request({ targetEntityId: ids.us, note: 'hi' }), 400, 21);
    });
  });

  describe(`${database.name}: PUT /v1/entity-connections/{id}/accept, deny, disconnect`, () => {
    const suite = appPerSuite({ database });

    async function setup() {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      const us = await connectionsAs(app, clients.usAdminSingle, ids.us);
      const id = await connectOk(global, ids.us);
      return { app, ids, clients, global, us, id };
    }

    it('lets an administrator of the target, acting in the target, accept a Pending connection', async () => {
      const { global, us, id } = await setup();
      assertSuccessOnly(await us.act(id, 'accept'));
      assert.equal((await listAll(global))[0]?.status, 'Connected');
      assert.equal((await listAll(us))[0]?.status, 'Connected');
    });

    it('answers 400 with category 30 when the source accepts or denies its own request', async () => {
      const { global, id } = await setup();
      assertError(await global.act(id, 'accept'), 400, 30);
      assertError(await global.act(id, 'deny'), 400, 30);
      assert.equal((await listAll(global))[0]?.status, 'Pending');
    });

    it('answers 400 with category 30 when the global admin accepts while acting in the source, though admin of both', async () => {
      const { app, id, ids, clients } = await setup();
      const adminInGlobal = await connectionsAs(app, clients.globalAdmin, ids.global);
      assertError(await adminInGlobal.act(id, 'accept'), 400, 30);
      const adminInUs = await connectionsAs(app, clients.globalAdmin, ids.us);
      assertSuccessOnly(await adminInUs.act(id, 'accept'));
    });

    it('answers 403 with category 10 when a non-administrator of the target acts in the target', async () => {
      const { app, id, ids, clients } = await setup();
      const clerkInUs = await connectionsAs(app, clients.standard, ids.us);
      for (const action of ['accept', 'deny', 'disconnect'] as const)
        assertError(await clerkInUs.act(id, action), 403, 10);
    });

    it('removes a denied request: no longer listed, and the source may ask again', async () => {
      const { global, us, id, ids } = await setup();
      assertSuccessOnly(await us.act(id, 'deny'));
      assert.deepEqual(await listAll(global), []);
      assert.deepEqual(await listAll(us), []);
      assertError(await us.act(id, 'accept'), 404, 40);
      const again = await connectOk(global, ids.us);
      assert.notEqual(again, id);
    });

    it('lets either side disconnect a Connected connection', async () => {
      for (const side of ['source', 'target'] as const) {
        const { global, us, id } = await setup();
        assertSuccessOnly(await us.act(id, 'accept'));
        assertSuccessOnly(await (side === 'source' ? global : us).act(id, 'disconnect'));
        assert.equal((await listAll(global))[0]?.status, 'Disconnected');
      }
    });

    it('answers 400 with category 30 for every action outside the state machine', async () => {
      const { global, us, id } = await setup();
      // Pending: no disconnect.
      assertError(await global.act(id, 'disconnect'), 400, 30);
      assertError(await us.act(id, 'disconnect'), 400, 30);
      assertSuccessOnly(await us.act(id, 'accept'));
      // Connected: no accept, no deny.
      assertError(await us.act(id, 'accept'), 400, 30);
      assertError(await us.act(id, 'deny'), 400, 30);
      assertSuccessOnly(await us.act(id, 'disconnect'));
      // Disconnected: nothing.
      for (const action of ['accept', 'deny', 'disconnect'] as const) {
        assertError(await us.act(id, action), 400, 30);
        assertError(await global.act(id, action), 400, 30);
      }
      assert.equal((await listAll(global))[0]?.status, 'Disconnected');
    });

    it('answers 404 with category 40 for a connection the acting entity is not part of, or that does not exist', async () => {
      const { app, id, ids, clients } = await setup();
      const apac = await connectionsAs(app, clients.globalAdmin, ids.apac);
      const eu = await connectionsAs(app, clients.euAdmin, ids.eu);
      const other = await connectionsAs(app, clients.otherTenantAdmin, ids.otherGlobal);
      for (const caller of [apac, eu, other]) {
        for (const action of ['accept', 'deny', 'disconnect'] as const)
          assertError(await caller.act(id, action), 404, 40);
      }
      const us = await connectionsAs(app, clients.usAdminSingle, ids.us);
      assertError(await us.act(randomBytes(16).toString('hex'), 'accept'), 404, 40);
      assertError(await us.act('not-a-connection', 'accept'), 404, 40);
      assertError(await us.act(id.toUpperCase(), 'accept'), 404, 40);
    });
  });

  describe(`${database.name}: GET /v1/entity-connections`, () => {
    const suite = appPerSuite({ database });

    it('lists outbound, inbound, or both when type is absent', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      const us = await connectionsAs(app, clients.globalAdmin, ids.us);
      const eu = await connectionsAs(app, clients.globalAdmin, ids.eu);
      const out = await connectOk(global, ids.us);
      const in1 = await connectOk(us, ids.global);
      const in2 = await connectOk(eu, ids.global);
      // Not Global's: must not show.
      await connectOk(us, ids.eu);
      const idsOf = async (query: string) => (await listAll(global, query)).map((c) => c.id).sort();
      assert.deepEqual(await idsOf('?type=outbound'), [out]);
      assert.deepEqual(await idsOf('?type=inbound'), [in1, in2].sort());
      assert.deepEqual(await idsOf(''), [out, in1, in2].sort());
      const res = await global.list();
      assert.deepEqual(Object.keys(res.json()).sort(), ['entityConnections', 'success']);
      assert.equal(res.json().success, true);
    });

    for (const query of [
      '?type=sideways',
      '?pageSize=0',
      '?pageSize=301',
      '?pageSize=abc',
      '?page=0',
      '?page=-1',
      '?page=x',
    ]) {
      it(`answers 400 with category 20 for ${query}`, async () => {
        const { app, ids, clients } = await suite.acme();
        const global = await connectionsAs(app, clients.globalAdmin, ids.global);
        assertError(await global.list(query), 400, 20);
      });
    }

    it('accepts pageSize 1 and 300', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      assert.equal((await global.list('?pageSize=1')).statusCode, 200);
      assert.equal((await global.list('?pageSize=300')).statusCode, 200);
    });

    it('answers 30 per page by default, with nextPage exactly when another page exists', async () => {
      const { app, store, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      // Disconnected connections do not hold the pair's slot, so one pair can have many.
      for (let i = 0; i < 31; i++) {
        await store.insertConnection({
          id: randomBytes(16).toString('hex'),
          tenantId: ids.tenant,
          sourceEntityId: ids.global,
          targetEntityId: ids.us,
          status: 'Disconnected',
          createdAt: 1_000 + i,
          updatedAt: 1_000 + i,
        });
      }
      const first = (await global.list()).json();
      assert.equal(first.entityConnections.length, 30);
      assert.equal(typeof first.nextPage, 'string');
      const next = new URL(first.nextPage);
      assert.equal(next.pathname, '/v1/entity-connections');
      assert.equal(next.searchParams.get('page'), '2');
      const second = (await global.list(next.search)).json();
      assert.equal(second.entityConnections.length, 1);
      assert.equal('nextPage' in second, false);
      const seen = new Set(
        [...first.entityConnections, ...second.entityConnections].map((c: WireConnection) => c.id),
      );
      assert.equal(seen.size, 31);
    });

    it('pages through by following nextPage, keeping type and pageSize, and ends without nextPage', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      const created: string[] = [];
      for (const entity of [ids.us, ids.eu, ids.apac]) created.push(await connectOk(global, entity));
      for (const entity of [ids.us, ids.eu]) {
        const other = await connectionsAs(app, clients.globalAdmin, entity);
        created.push(await connectOk(other, ids.global));
      }
      // Outbound: 3 connections, pages of 2.
      const page1 = (await global.list('?type=outbound&pageSize=2')).json();
      assert.equal(page1.entityConnections.length, 2);
      assert.ok(page1.nextPage);
      const url = new URL(page1.nextPage);
      assert.equal(url.searchParams.get('type'), 'outbound');
      assert.equal(url.searchParams.get('pageSize'), '2');
      const page2 = (await global.list(url.search)).json();
      assert.equal(page2.entityConnections.length, 1);
      assert.equal(page2.nextPage, undefined);
      const outbound = [...page1.entityConnections, ...page2.entityConnections];
      assert.ok(outbound.every((c: WireConnection) => c.sourceEntityId === ids.global));
      assert.equal(new Set(outbound.map((c: WireConnection) => c.id)).size, 3);

      // Exactly a full last page: no nextPage.
      const all = (await global.list('?pageSize=5')).json();
      assert.equal(all.entityConnections.length, 5);
      assert.equal(all.nextPage, undefined);

      // Both directions, pages of 2: 2 + 2 + 1.
      let query = '?pageSize=2';
      const pages: number[] = [];
      const ids_: string[] = [];
      for (let i = 0; i < 5 && query; i++) {
        const body = (await global.list(query)).json();
        pages.push(body.entityConnections.length);
        ids_.push(...body.entityConnections.map((c: WireConnection) => c.id));
        query = body.nextPage ? new URL(body.nextPage).search : '';
      }
      assert.deepEqual(pages, [2, 2, 1]);
      assert.deepEqual(ids_.sort(), created.sort());

      // Past the end, however far: an empty page, no nextPage.
      for (const page of ['9', '9007199254740991', '100000000000000000000']) {
        const far = await global.list(`?page=${page}&pageSize=300`);
        assert.equal(far.statusCode, 200, far.body);
        assert.deepEqual(far.json(), { entityConnections: [], success: true });
      }
      const beyond = (await global.list('?page=9&pageSize=2')).json();
      assert.deepEqual(beyond.entityConnections, []);
      assert.equal(beyond.nextPage, undefined);
    });

    it('lets a standard user of the entity list its connections', async () => {
      const { app, ids, clients } = await suite.acme();
      const global = await connectionsAs(app, clients.globalAdmin, ids.global);
      const id = await connectOk(global, ids.us);
      const clerk = await connectionsAs(app, clients.standard, ids.global);
      assert.deepEqual(
        (await listAll(clerk)).map((c) => c.id),
        [id],
      );
    });
  });
}
