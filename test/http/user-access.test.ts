import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Membership } from '../../src/domain/model.js';
import type { Store } from '../../src/domain/ports/index.js';
import { hashSecret } from '../../src/domain/secrets.js';
import { type AcmeFixture, appPerSuite, type SuiteApp } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import type { Acme, AcmeIds } from '../helpers/fixtures.js';
import {
  assertError,
  assertSuccessOnly,
  type Caller,
  type Client,
  callerWithToken,
  issueToken,
} from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';

const uuid = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/** Administrator of US (the home of sales@), of APAC and of the unprovisioned Lab; Standard in EU. */
const regionalAdmin: Client = { id: '66666666-6666-4666-8666-666666666666', secret: 'regional-admin-secret' };
/** sales@'s client names US and EU although sales@ starts with US alone: made through the store. */
const salesClient: Client = { id: '77777777-7777-4777-8777-777777777777', secret: 'sales-secret-0123' };

/** A client of the fixture's under the copy's ids: client ids are unique in the whole store. */
function clientOf(copy: Acme, client: Client): Client {
  return { ...client, id: `${copy.clients.globalAdmin.id.slice(0, 8)}${client.id.slice(8)}` };
}

function addUsers(fixture: AcmeFixture, regionalAdmin: Client) {
  const acme = fixture.tenants[0];
  assert.ok(acme);
  (acme.users as unknown[]).push(
    { username: 'sales@acme.test', homeEntity: 'Acme-US', access: { 'Acme-US': 'Standard User' } },
    {
      username: 'regional-admin@acme.test',
      homeEntity: 'Acme-US',
      access: {
        'Acme-US': 'Administrator',
        'Acme-APAC': 'Administrator',
        'Acme-EU': 'Standard User',
        'Acme-Lab': 'Administrator',
      },
      clients: [{ clientId: regionalAdmin.id, clientSecret: regionalAdmin.secret, entities: ['Acme-US'] }],
    },
  );
}

/** A copy of Acme in the suite's app, with sales@, regional-admin@ and their clients. */
async function setup(suite: SuiteApp) {
  let own = { regionalAdmin, salesClient };
  const acme = await suite.acme((fixture, copy) => {
    own = { regionalAdmin: clientOf(copy, regionalAdmin), salesClient: clientOf(copy, salesClient) };
    addUsers(fixture, own.regionalAdmin);
  });
  const { store, ids } = acme;
  const sales = await store.findUserByUsername(ids.tenant, 'sales@acme.test');
  assert.ok(sales);
  await store.insertClient({
    clientId: own.salesClient.id,
    tenantId: ids.tenant,
    userId: sales.id,
    secretHash: hashSecret(own.salesClient.secret),
    entityIds: [ids.us, ids.eu],
    createdAt: Date.now(),
  });
  return { ...acme, ...own, sales };
}

/** One token, acting in one entity (none named when `entityId` is undefined), calling the user-access operations. */
interface AccessCaller {
  accessible(username: string): Promise<LightMyRequestResponse>;
  requestAccess(username: string, body: unknown): Promise<LightMyRequestResponse>;
  accept(username: string): Promise<LightMyRequestResponse>;
  deny(username: string): Promise<LightMyRequestResponse>;
}

function accessCalls(caller: Caller): AccessCaller {
  const path = (username: string, action: string) => `/v1/users/${encodeURIComponent(username)}/${action}`;
  return {
    accessible: (username) => caller.get(path(username, 'accessible-entities')),
    requestAccess: (username, body) => caller.put(path(username, 'request-access'), body),
    accept: (username) => caller.put(path(username, 'accept-access')),
    deny: (username) => caller.put(path(username, 'deny-access')),
  };
}

const callerWith = (app: FastifyInstance, token: string, entityId: string | undefined): AccessCaller =>
  accessCalls(callerWithToken(app, token, entityId));

async function accessAs(app: FastifyInstance, client: Client, entityId?: string): Promise<AccessCaller> {
  return callerWith(app, (await issueToken(app, client)).token, entityId);
}

function accessibleIds(res: LightMyRequestResponse): string[] {
  assert.equal(res.statusCode, 200, res.body);
  return res
    .json()
    .entities.map((e: { id: string }) => e.id)
    .sort();
}

async function membership(store: Store, tenantId: string, username: string, entityId: string) {
  const user = await store.findUserByUsername(tenantId, username);
  assert.ok(user);
  const found = await store.findMembership(user.id, entityId);
  return found && { role: found.role, status: found.status };
}

const usWire = (ids: AcmeIds) => ({
  id: ids.us,
  name: 'Acme-US',
  displayName: 'Acme-US',
  locale: 'en_US',
  timezone: 'America/Los_Angeles',
  status: 'Provisioned',
  parentId: ids.global,
  tenantId: ids.tenant,
});
const euWire = (ids: AcmeIds) => ({
  id: ids.eu,
  name: 'Acme-EU',
  displayName: 'Acme-EU',
  locale: 'de_DE',
  timezone: 'Europe/Berlin',
  status: 'Provisioned',
  parentId: ids.global,
  tenantId: ids.tenant,
});

for (const database of testDatabases) {
  describe(`${database.name}: user access`, () => {
    const suite = appPerSuite({ database });
    it('takes a user from a request through Pending Review, Active and Access Denied, with tokens following', async () => {
      const { app, store, sales, ids, clients, salesClient } = await setup(suite);
      const usAdmin = await accessAs(app, clients.usAdminSingle);
      const euAdmin = await accessAs(app, clients.euAdmin);
      const oldToken = await issueToken(app, salesClient);
      assert.deepEqual(
        oldToken.scope.filter((s) => s.startsWith('entity.')),
        [`entity.${uuid(ids.us)}`],
      );

      // us-admin@ administers sales@'s home (US) and can access EU, but does not administer EU.
      assertSuccessOnly(await usAdmin.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu] }));
      assert.deepEqual(await membership(store, ids.tenant, 'sales@acme.test', ids.eu), {
        role: 'Standard User',
        status: 'Pending Review',
      });
      assert.deepEqual(accessibleIds(await usAdmin.accessible('sales@acme.test')), [ids.us]);

      assertSuccessOnly(await euAdmin.accept('sales@acme.test'));
      assert.deepEqual(await membership(store, ids.tenant, 'sales@acme.test', ids.eu), {
        role: 'Standard User',
        status: 'Active',
      });
      const listed = await usAdmin.accessible('sales@acme.test');
      assert.equal(listed.statusCode, 200, listed.body);
      const body: { entities: { id: string }[]; success: boolean } = listed.json();
      body.entities.sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(body, {
        entities: [euWire(ids), usWire(ids)].sort((a, b) => a.id.localeCompare(b.id)),
        success: true,
      });

      // Access granted later widens the next token only.
      const newToken = await issueToken(app, salesClient);
      assert.deepEqual(
        newToken.scope.filter((s) => s.startsWith('entity.')).sort(),
        [`entity.${uuid(ids.us)}`, `entity.${uuid(ids.eu)}`].sort(),
      );
      assertError(await callerWith(app, oldToken.token, ids.eu).accessible('sales@acme.test'), 403, 10);
      const salesInEu = callerWith(app, newToken.token, ids.eu);
      assert.deepEqual(accessibleIds(await salesInEu.accessible('sales@acme.test')), [ids.eu, ids.us].sort());

      // Denying revokes what was given, and the token that names EU loses it at once.
      assertSuccessOnly(await euAdmin.deny('sales@acme.test'));
      assert.deepEqual(await membership(store, ids.tenant, 'sales@acme.test', ids.eu), {
        role: 'Standard User',
        status: 'Access Denied',
      });
      assert.deepEqual(accessibleIds(await usAdmin.accessible('sales@acme.test')), [ids.us]);
      assertError(await salesInEu.accessible('sales@acme.test'), 403, 10);
      const salesInUs = callerWith(app, newToken.token, ids.us);
      assert.deepEqual(accessibleIds(await salesInUs.accessible('sales@acme.test')), [ids.us]);

      // Each change is in the audit trail, by whom and in which entity.
      const events = await store.listAuditEvents(ids.tenant, { resourceId: `${sales.id}:${ids.eu}` });
      assert.deepEqual(
        events.map((e) => [e.action, e.entityId, (e.after as Membership).status]),
        [
          ['access.deny', ids.eu, 'Access Denied'],
          ['access.accept', ids.eu, 'Active'],
          ['access.request', ids.us, 'Pending Review'],
        ],
      );

      // After a deny the home entity's administrator may ask again.
      assertSuccessOnly(await usAdmin.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu] }));
      assert.deepEqual(await membership(store, ids.tenant, 'sales@acme.test', ids.eu), {
        role: 'Standard User',
        status: 'Pending Review',
      });
    });

    it('makes the user Active at once in the targets the requesting administrator also administers', async () => {
      const { app, store, sales, ids, regionalAdmin } = await setup(suite);
      const regional = await accessAs(app, regionalAdmin);
      assertSuccessOnly(
        await regional.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu, uuid(ids.apac)] }),
      );
      assert.deepEqual(await membership(store, ids.tenant, 'sales@acme.test', ids.apac), {
        role: 'Standard User',
        status: 'Active',
      });
      assert.deepEqual(await membership(store, ids.tenant, 'sales@acme.test', ids.eu), {
        role: 'Standard User',
        status: 'Pending Review',
      });
      assert.deepEqual(
        accessibleIds(await regional.accessible('sales@acme.test')),
        [ids.apac, ids.us].sort(),
      );
      const [grant] = await store.listAuditEvents(ids.tenant, { resourceId: `${sales.id}:${ids.apac}` });
      assert.equal(grant?.action, 'access.grant');
    });

    it('changes nothing when a request is repeated or names entities the user already accesses', async () => {
      const { app, store, ids, clients, regionalAdmin } = await setup(suite);
      const regional = await accessAs(app, regionalAdmin);
      const body = { targetEntityIds: [ids.eu, ids.apac, ids.eu.toUpperCase()] };
      assertSuccessOnly(await regional.requestAccess('sales@acme.test', body));
      const eventsBefore = await store.listAuditEvents(ids.tenant);
      assertSuccessOnly(await regional.requestAccess('sales@acme.test', body));
      assert.equal((await store.listAuditEvents(ids.tenant)).length, eventsBefore.length);
      assert.equal(
        (await membership(store, ids.tenant, 'sales@acme.test', ids.eu))?.status,
        'Pending Review',
      );
      assert.equal((await membership(store, ids.tenant, 'sales@acme.test', ids.apac))?.status, 'Active');

      // An Administrator is never turned into a Standard User by a request.
      const globalInUs = await accessAs(app, clients.globalAdmin, ids.us);
      assertSuccessOnly(
        await globalInUs.requestAccess('regional-admin@acme.test', { targetEntityIds: [ids.apac] }),
      );
      assert.deepEqual(await membership(store, ids.tenant, 'regional-admin@acme.test', ids.apac), {
        role: 'Administrator',
        status: 'Active',
      });
    });

    it('lists the accessible entities of any user of the tenant to any entity user', async () => {
      const { app, ids, clients } = await setup(suite);
      const clerk = await accessAs(app, clients.standard, ids.global);
      assert.deepEqual(
        accessibleIds(await clerk.accessible('admin@acme.test')),
        [ids.global, ids.us, ids.eu, ids.apac].sort(),
      );
      // The home entity is listed even without a membership row of its own.
      assert.deepEqual(
        accessibleIds(await clerk.accessible('regional-admin@acme.test')),
        [ids.us, ids.eu, ids.apac, ids.lab].sort(),
      );
    });

    describe('request-access errors', () => {
      it('answers 404 with category 40 for an unknown user and for another tenant’s user', async () => {
        const { app, ids, clients } = await setup(suite);
        const usAdmin = await accessAs(app, clients.usAdminSingle);
        for (const username of ['nobody@acme.test', 'admin@other.test']) {
          assertError(await usAdmin.requestAccess(username, { targetEntityIds: [ids.eu] }), 404, 40);
          assertError(await usAdmin.accessible(username), 404, 40);
        }
        const euAdmin = await accessAs(app, clients.euAdmin);
        assertError(await euAdmin.accept('admin@other.test'), 404, 40);
        assertError(await euAdmin.deny('nobody@acme.test'), 404, 40);
      });

      it('answers 404 with category 40 for an unknown target, a malformed id and another tenant’s entity, and writes nothing', async () => {
        const { app, store, ids, clients } = await setup(suite);
        const usAdmin = await accessAs(app, clients.usAdminSingle);
        for (const target of [
          'ffffffffffffffffffffffffffffffff',
          'not-an-id',
          ids.otherSub,
          ids.otherGlobal,
        ]) {
          assertError(
            await usAdmin.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu, target] }),
            404,
            40,
          );
        }
        assert.equal(await membership(store, ids.tenant, 'sales@acme.test', ids.eu), undefined);
      });

      it('answers 403 with category 10 when the caller cannot access a target', async () => {
        const { app, store, ids, clients } = await setup(suite);
        const usAdmin = await accessAs(app, clients.usAdminSingle);
        assertError(
          await usAdmin.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu, ids.apac] }),
          403,
          10,
        );
        assert.equal(await membership(store, ids.tenant, 'sales@acme.test', ids.eu), undefined);
      });

      it('answers 400 with category 30 for the user’s home entity and for an unprovisioned target', async () => {
        const { app, ids, regionalAdmin } = await setup(suite);
        const regional = await accessAs(app, regionalAdmin);
        assertError(await regional.requestAccess('sales@acme.test', { targetEntityIds: [ids.us] }), 400, 30);
        assertError(await regional.requestAccess('sales@acme.test', { targetEntityIds: [ids.lab] }), 400, 30);
      });

      it('answers 400 with category 30 for an inactive user', async () => {
        const { app, store, sales, ids, clients } = await setup(suite);
        await store.setUserStatus(ids.tenant, sales.id, 'Inactive');
        const usAdmin = await accessAs(app, clients.usAdminSingle);
        assertError(await usAdmin.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu] }), 400, 30);
      });

      it('answers 400 with categories 22, 21 and 20 for an empty or missing list, an unknown field and a wrong type', async () => {
        const { app, ids, clients } = await setup(suite);
        const usAdmin = await accessAs(app, clients.usAdminSingle);
        assertError(await usAdmin.requestAccess('sales@acme.test', { targetEntityIds: [] }), 400, 22);
        assertError(await usAdmin.requestAccess('sales@acme.test', {}), 400, 22);
        assertError(
          await usAdmin.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu], note: 'x' }),
          400,
          21,
        );
        assertError(
          await usAdmin.requestAccess('sales@acme.test', { targetEntityIds: { id: ids.eu } }),
          400,
          20,
        );
      });

      it('answers 403 with category 10 to a non-administrator and to an administrator acting outside the user’s home entity', async () => {
        const { app, store, ids, clients } = await setup(suite);
        const clerkInUs = await accessAs(app, clients.standard, ids.us);
        assertError(await clerkInUs.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu] }), 403, 10);
        // The global administrator also administers US, but acts in Global here.
        const globalAdmin = await accessAs(app, clients.globalAdmin, ids.global);
        assertError(
          await globalAdmin.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu] }),
          403,
          10,
        );
        assert.equal(await membership(store, ids.tenant, 'sales@acme.test', ids.eu), undefined);
      });
    });

    describe('accept-access and deny-access errors', () => {
      it('answers 400 with category 30 when there is no pending request to accept', async () => {
        const { app, store, ids, clients } = await setup(suite);
        const euAdmin = await accessAs(app, clients.euAdmin);
        // sales@ has nothing in EU; us-admin@ is already Active there.
        assertError(await euAdmin.accept('sales@acme.test'), 400, 30);
        assertError(await euAdmin.accept('us-admin@acme.test'), 400, 30);
        assertSuccessOnly(await euAdmin.deny('us-admin@acme.test'));
        assertError(await euAdmin.accept('us-admin@acme.test'), 400, 30);
        assert.equal(
          (await membership(store, ids.tenant, 'us-admin@acme.test', ids.eu))?.status,
          'Access Denied',
        );
      });

      it('answers 400 with category 30 when there is nothing to deny', async () => {
        const { app, clients } = await setup(suite);
        const euAdmin = await accessAs(app, clients.euAdmin);
        assertError(await euAdmin.deny('sales@acme.test'), 400, 30);
        assertSuccessOnly(await euAdmin.deny('us-admin@acme.test'));
        assertError(await euAdmin.deny('us-admin@acme.test'), 400, 30);
      });

      it('answers 400 with category 30 when the acting entity is the user’s home entity', async () => {
        const { app, clients } = await setup(suite);
        const euAdmin = await accessAs(app, clients.euAdmin);
        assertError(await euAdmin.deny('eu-admin@acme.test'), 400, 30);
        assertError(await euAdmin.accept('eu-admin@acme.test'), 400, 30);
      });

      it('answers 403 with category 10 to a user who does not administer the acting entity', async () => {
        const { app, store, ids, clients } = await setup(suite);
        const usAdmin = await accessAs(app, clients.usAdminSingle);
        assertSuccessOnly(await usAdmin.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu] }));
        // us-admin@ is a Standard User in EU.
        const usAdminInEu = await accessAs(app, clients.usAdmin, ids.eu);
        assertError(await usAdminInEu.accept('sales@acme.test'), 403, 10);
        assertError(await usAdminInEu.deny('sales@acme.test'), 403, 10);
        const clerk = await accessAs(app, clients.standard, ids.global);
        assertError(await clerk.deny('admin@acme.test'), 403, 10);
        assert.equal(
          (await membership(store, ids.tenant, 'sales@acme.test', ids.eu))?.status,
          'Pending Review',
        );
      });
    });

    describe('tokens', () => {
      it('answers 403 with category 10 to an existing token in an entity whose access was denied', async () => {
        const { app, ids, clients } = await setup(suite);
        const usAdminInEu = await accessAs(app, clients.usAdmin, ids.eu);
        assert.equal((await usAdminInEu.accessible('us-admin@acme.test')).statusCode, 200);
        assertSuccessOnly(await (await accessAs(app, clients.euAdmin)).deny('us-admin@acme.test'));
        assertError(await usAdminInEu.accessible('us-admin@acme.test'), 403, 10);
      });

      it('stops a deactivated user’s tokens and clients at once', async () => {
        const { app, store, ids, clients } = await setup(suite);
        const user = await store.findUserByUsername(ids.tenant, 'us-admin@acme.test');
        assert.ok(user);
        const usAdmin = await accessAs(app, clients.usAdminSingle);
        assert.equal((await usAdmin.accessible('us-admin@acme.test')).statusCode, 200);
        await store.setUserStatus(ids.tenant, user.id, 'Inactive');
        const res = await usAdmin.accessible('us-admin@acme.test');
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(res.json().reasons[0].code, 90000011);
        const tokenRes = await app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({
            client_id: clients.usAdminSingle.id,
            client_secret: clients.usAdminSingle.secret,
            grant_type: 'client_credentials',
          }).toString(),
        });
        assert.equal(tokenRes.statusCode, 401, tokenRes.body);
        assert.equal(tokenRes.json().reasons[0].code, 90000011);
      });

      it('answers 401 on every user-access operation without a bearer token', async () => {
        const { app, ids } = await setup(suite);
        const anonymous = callerWith(app, '', undefined);
        for (const res of [
          await anonymous.accessible('sales@acme.test'),
          await anonymous.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu] }),
          await anonymous.accept('sales@acme.test'),
          await anonymous.deny('sales@acme.test'),
        ]) {
          assert.equal(res.statusCode, 401, res.body);
          assert.equal(res.json().reasons[0].code, 90000011);
        }
      });
    });

    it('never lets a concurrent accept undo a deny of the same request', async () => {
      const { app, store, ids, clients } = await setup(suite);
      const usAdmin = await accessAs(app, clients.usAdminSingle);
      const euAdmin = await accessAs(app, clients.euAdmin);
      for (let round = 0; round < 4; round++) {
        assertSuccessOnly(await usAdmin.requestAccess('sales@acme.test', { targetEntityIds: [ids.eu] }));
        const [accepted, denied] = await Promise.all([
          euAdmin.accept('sales@acme.test'),
          euAdmin.deny('sales@acme.test'),
        ]);
        // Either order is a valid outcome, but a deny that answered 200 is the last word, and each
        // answer is a success, a rule error or a retryable conflict.
        for (const res of [accepted, denied]) assert.ok([200, 400, 409].includes(res.statusCode), res.body);
        const status = (await membership(store, ids.tenant, 'sales@acme.test', ids.eu))?.status;
        if (denied.statusCode === 200) assert.equal(status, 'Access Denied');
        else assert.equal(status, accepted.statusCode === 200 ? 'Active' : 'Pending Review');
        if (status !== 'Access Denied') assertSuccessOnly(await euAdmin.deny('sales@acme.test'));
      }
    });

    describe('store: setMembershipIf', () => {
      it('writes only while the membership is still in the status read', async () => {
        const { store, sales, ids } = await setup(suite);
        const pending: Membership = {
          userId: sales.id,
          entityId: ids.eu,
          role: 'Standard User',
          status: 'Pending Review',
          updatedAt: 1,
        };
        assert.equal(await store.setMembershipIf(pending, null), true);
        assert.equal(await store.setMembershipIf(pending, null), false);
        assert.equal(await store.setMembershipIf({ ...pending, status: 'Active' }, 'Access Denied'), false);
        assert.equal(await store.setMembershipIf({ ...pending, status: 'Active' }, 'Pending Review'), true);
        assert.equal(
          await store.setMembershipIf({ ...pending, status: 'Access Denied' }, 'Pending Review'),
          false,
        );
        assert.equal((await store.findMembership(sales.id, ids.eu))?.status, 'Active');
      });
    });
  });
}
