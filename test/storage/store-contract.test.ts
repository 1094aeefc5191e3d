import assert from 'node:assert/strict';
import type {
  AccessToken,
  AuditEvent,
  Connection,
  ConnectionStatus,
  Entity,
  OAuthClient,
  Tenant,
  User,
} from '../../src/domain/model.js';
import { type IdempotencyRecord, type Store, UniqueViolation } from '../../src/domain/ports/index.js';
import { testDatabases } from '../helpers/databases.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

/**
 * The contract every Store side keeps, written against the `Store` interface only and run once per
 * database in `testDatabases`.
 */

const T1 = '6398';
const T2 = '7001';
const t0 = Date.UTC(2026, 10, 30, 12);
const hex = (c: string) => c.repeat(32).slice(0, 32);
const ids = { global: hex('a'), us: hex('b'), eu: hex('c'), lab: hex('d'), otherGlobal: hex('e') };

function tenant(id: string, createdAt = t0): Tenant {
  return { id, name: `Tenant ${id}`, apiVersion: '2024-05-20', createdAt };
}
function entity(id: string, overrides: Partial<Entity> = {}): Entity {
  return {
    id,
    tenantId: T1,
    name: `E-${id.slice(0, 4)}`,
    displayName: `Entity ${id.slice(0, 4)}`,
    locale: 'en_US',
    timezone: 'America/Los_Angeles',
    status: 'Provisioned',
    parentId: ids.global,
    createdAt: t0,
    ...overrides,
  };
}
function user(id: string, overrides: Partial<User> = {}): User {
  return {
    id,
    tenantId: T1,
    username: `${id.slice(0, 4)}@acme.test`,
    homeEntityId: ids.global,
    status: 'Active',
    createdAt: t0,
    ...overrides,
  };
}
let connectionCounter = 0;
function connection(
  source: string,
  target: string,
  status: ConnectionStatus,
  overrides: Partial<Connection> = {},
) {
  connectionCounter += 1;
  return {
    id: connectionCounter.toString(16).padStart(32, '0'),
    tenantId: T1,
    sourceEntityId: source,
    targetEntityId: target,
    status,
    createdAt: t0 + connectionCounter,
    updatedAt: t0 + connectionCounter,
    ...overrides,
  } satisfies Connection;
}
function claim(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    tenantId: T1,
    clientId: '11111111-1111-4111-8111-111111111111',
    key: 'key-1',
    method: 'POST',
    url: '/v1/entity-connections',
    bodyHash: 'f'.repeat(64),
    state: 'running',
    lockedUntil: t0 + 30_000,
    responseStatus: null,
    responseHeaders: null,
    responseBody: null,
    createdAt: t0,
    expiresAt: t0 + 86_400_000,
    ...overrides,
  };
}

async function assertUniqueViolation(promise: Promise<unknown>) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UniqueViolation, `expected UniqueViolation, got ${String(error)}`);
    return true;
  });
}

for (const database of testDatabases) {
  describe(`Store contract on ${database.name}`, () => {
    async function open(t: TestContext): Promise<Store> {
      const store = await database.openStore();
      t.after(() => store.close());
      return store;
    }

    /** Two tenants; Acme holds Global with US, EU (provisioned) and Lab (unprovisioned). */
    async function seeded(t: TestContext): Promise<Store> {
      const store = await open(t);
      await store.insertTenant(tenant(T1));
      await store.insertTenant(tenant(T2, t0 + 1));
      await store.insertEntity(entity(ids.global, { name: 'Global', parentId: null, createdAt: t0 }));
      await store.insertEntity(entity(ids.us, { name: 'Acme-US', createdAt: t0 + 1 }));
      await store.insertEntity(entity(ids.eu, { name: 'Acme-EU', locale: 'de_DE', createdAt: t0 + 2 }));
      await store.insertEntity(
        entity(ids.lab, { name: 'Acme-Lab', status: 'Unprovisioned', createdAt: t0 + 3 }),
      );
      await store.insertEntity(entity(ids.otherGlobal, { tenantId: T2, name: 'Global', parentId: null }));
      return store;
    }

    /** A client of user hex('5') in T1 and a token of it, valid until t0 + 1000, both stored. */
    async function clientAndToken(
      store: Store,
      options: { clientId: string; clientEntityIds: string[]; tokenHash: string; tokenEntityIds: string[] },
    ): Promise<{ client: OAuthClient; token: AccessToken }> {
      const client: OAuthClient = {
        clientId: options.clientId,
        tenantId: T1,
        userId: hex('5'),
        secretHash: 'sha256$salt$digest',
        entityIds: options.clientEntityIds,
        createdAt: t0,
      };
      await store.insertClient(client);
      const token: AccessToken = {
        tokenHash: options.tokenHash,
        jti: hex('9'),
        tenantId: T1,
        clientId: client.clientId,
        userId: hex('5'),
        entityIds: options.tokenEntityIds,
        issuedAt: t0,
        expiresAt: t0 + 1000,
      };
      await store.insertToken(token);
      return { client, token };
    }

    describe('tenants', () => {
      it('round-trips a tenant with every field and finds nothing for an unknown id', async (t) => {
        const store = await open(t);
        const acme = { id: T1, name: 'Acme Corp', apiVersion: '211.0', createdAt: t0 };
        await store.insertTenant(acme);
        assert.deepEqual(await store.findTenant(T1), acme);
        assert.equal(await store.findTenant('999'), undefined);
      });

      it('lists tenants oldest first, then by id', async (t) => {
        const store = await open(t);
        await store.insertTenant(tenant('30', t0 + 5));
        await store.insertTenant(tenant('20', t0));
        await store.insertTenant(tenant('10', t0));
        assert.deepEqual(
          (await store.listTenants()).map((x) => x.id),
          ['10', '20', '30'],
        );
      });

      it('refuses a second tenant with the same id', async (t) => {
        const store = await open(t);
        await store.insertTenant(tenant(T1));
        await assertUniqueViolation(store.insertTenant({ ...tenant(T1), name: 'Again' }));
      });
    });

    describe('tenant state', () => {
      it('starts a tenant with no fixture, no seed, counter 0 and the real clock', async (t) => {
        const store = await open(t);
        await store.insertTenant(tenant(T1));
        assert.deepEqual(await store.findTenantState(T1), {
          tenantId: T1,
          fixture: null,
          idSeed: null,
          idCounter: 0,
          clock: { offsetMs: 0, frozenAt: null },
        });
        assert.equal(await store.findTenantState('404'), undefined);
      });

      it('reads tenants with their state and whether they keep a fixture, one or all, oldest first', async (t) => {
        const store = await open(t);
        await store.insertTenant(tenant('30', t0 + 5));
        await store.insertTenant(tenant('20', t0));
        await store.updateTenantState('30', {
          fixture: '{"tenant":{}}',
          idSeed: 'seed-30',
          clock: { offsetMs: 0, frozenAt: t0 },
        });
        const thirty = {
          tenant: tenant('30', t0 + 5),
          state: { tenantId: '30', idSeed: 'seed-30', idCounter: 0, clock: { offsetMs: 0, frozenAt: t0 } },
          resettable: true,
        };
        const twenty = {
          tenant: tenant('20', t0),
          state: { tenantId: '20', idSeed: null, idCounter: 0, clock: { offsetMs: 0, frozenAt: null } },
          resettable: false,
        };
        assert.deepEqual(await store.findTenantOverview('30'), thirty);
        assert.deepEqual(await store.findTenantOverview('20'), twenty);
        assert.equal(await store.findTenantOverview('404'), undefined);
        assert.deepEqual(await store.listTenantOverviews(), [twenty, thirty]);
      });

      it('updates only the parts of the state a patch names', async (t) => {
        const store = await open(t);
        await store.insertTenant(tenant(T1));
        await store.insertTenant(tenant(T2));
        await store.updateTenantState(T1, { fixture: '{"tenants":[]}', idSeed: 'seed-1' });
        await store.updateTenantState(T1, { clock: { offsetMs: -3_600_000, frozenAt: t0 } });
        await store.updateTenantState(T1, { idCounter: 7 });
        await store.updateTenantState(T1, {});
        assert.deepEqual(await store.findTenantState(T1), {
          tenantId: T1,
          fixture: '{"tenants":[]}',
          idSeed: 'seed-1',
          idCounter: 7,
          clock: { offsetMs: -3_600_000, frozenAt: t0 },
        });
        await store.updateTenantState(T1, {
          fixture: null,
          idSeed: null,
          clock: { offsetMs: 0, frozenAt: null },
        });
        assert.deepEqual(await store.findTenantState(T1), {
          tenantId: T1,
          fixture: null,
          idSeed: null,
          idCounter: 7,
          clock: { offsetMs: 0, frozenAt: null },
        });
        assert.equal((await store.findTenantState(T2))?.idCounter, 0, 'another tenant is untouched');
        assert.deepEqual(await store.findTenant(T1), tenant(T1), 'the tenant record itself is untouched');
      });

      it('hands out id sequence numbers from 1, per tenant', async (t) => {
        const store = await open(t);
        await store.insertTenant(tenant(T1));
        await store.insertTenant(tenant(T2));
        assert.equal(await store.transaction((tx) => tx.nextIdSequence(T1)), 1);
        assert.equal(await store.transaction((tx) => tx.nextIdSequence(T1)), 2);
        assert.equal(await store.transaction((tx) => tx.nextIdSequence(T2)), 1);
        assert.equal((await store.findTenantState(T1))?.idCounter, 2);
      });

      it('hands out distinct sequence numbers to concurrent transactions', async (t) => {
        const store = await open(t);
        await store.insertTenant(tenant(T1));
        const taken = await Promise.all(
          Array.from({ length: 5 }, () => store.transaction((tx) => tx.nextIdSequence(T1))),
        );
        assert.deepEqual([...taken].sort(), [1, 2, 3, 4, 5]);
      });

      for (const keepTenant of [true, false]) {
        it(`deletes everything a tenant holds${keepTenant ? ', keeping the tenant' : ' and the tenant'}, and nothing of another`, async (t) => {
          const store = await seeded(t);
          for (const tenantId of [T1, T2]) {
            const root = tenantId === T1 ? ids.global : ids.otherGlobal;
            const userId = tenantId === T1 ? hex('5') : hex('6');
            const clientId = `${tenantId}-client`.padEnd(36, '0');
            await store.insertUser(user(userId, { tenantId, homeEntityId: root }));
            await store.upsertMembership({
              userId,
              entityId: root,
              role: 'Administrator',
              status: 'Active',
              updatedAt: t0,
            });
            await store.insertClient({
              clientId,
              tenantId,
              userId,
              secretHash: 'x',
              entityIds: [root],
              createdAt: t0,
            });
            await store.insertToken({
              tokenHash: `${tenantId}`.padEnd(64, '0'),
              jti: hex('1'),
              tenantId,
              clientId,
              userId,
              entityIds: [root],
              issuedAt: t0,
              expiresAt: t0 + 3_600_000,
            });
            await store.insertIdempotencyClaim(claim({ tenantId }));
            await store.insertAuditEvent({
              id: tenantId.padEnd(32, '0'),
              tenantId,
              at: t0,
              userId,
              clientId,
              entityId: root,
              action: 'entity.update',
              resourceType: 'entity',
              resourceId: root,
              before: null,
              after: null,
            });
          }
          await store.insertConnection(connection(ids.us, ids.eu, 'Connected'));
          await store.deleteTenantData(T1, { keepTenant });

          assert.equal(!!(await store.findTenant(T1)), keepTenant);
          assert.deepEqual(await store.listEntities(T1), []);
          assert.deepEqual(await store.listUsers(T1), []);
          assert.deepEqual(await store.listMemberships(hex('5')), []);
          assert.deepEqual(await store.listClients(T1), []);
          assert.equal((await store.findBearer(T1.padEnd(64, '0')))?.token, undefined);
          assert.deepEqual(await store.listConnections(T1, ids.us, 'both', { offset: 0, limit: 10 }), {
            connections: [],
            hasMore: false,
          });
          assert.equal(await store.findIdempotencyRecord(T1, claim().clientId, claim().key), undefined);
          assert.deepEqual(await store.listAuditEvents(T1), []);

          assert.ok(await store.findTenant(T2));
          assert.equal((await store.listEntities(T2)).length, 1);
          assert.equal((await store.listUsers(T2)).length, 1);
          assert.equal((await store.listMemberships(hex('6'))).length, 1);
          assert.equal((await store.listClients(T2)).length, 1);
          assert.ok((await store.findBearer(T2.padEnd(64, '0')))?.token);
          assert.ok(await store.findIdempotencyRecord(T2, claim().clientId, claim().key));
          assert.equal((await store.listAuditEvents(T2)).length, 1);
        });
      }
    });

    describe('entities', () => {
      it('round-trips an entity with every field, with and without a parent', async (t) => {
        const store = await seeded(t);
        const global = entity(ids.global, { name: 'Global', parentId: null, createdAt: t0 });
        assert.deepEqual(await store.findEntity(T1, ids.global), global);
        const eu = await store.findEntity(T1, ids.eu);
        assert.deepEqual(eu, entity(ids.eu, { name: 'Acme-EU', locale: 'de_DE', createdAt: t0 + 2 }));
        assert.equal(typeof eu?.createdAt, 'number');
      });

      it('finds an entity only in its own tenant', async (t) => {
        const store = await seeded(t);
        assert.equal(await store.findEntity(T2, ids.us), undefined);
        assert.equal((await store.findEntity(T1, ids.us))?.tenantId, T1);
        assert.equal((await store.findEntity(T2, ids.otherGlobal))?.tenantId, T2);
        assert.equal(await store.findEntity(T1, hex('9')), undefined);
        const found = await store.findEntities(T1, [ids.eu, ids.otherGlobal, hex('9'), ids.us]);
        assert.deepEqual(
          found.map((e) => e.id).sort(),
          [ids.eu, ids.us].sort(),
          'only the tenant’s own, unknown ids left out',
        );
        assert.deepEqual(
          found.find((e) => e.id === ids.eu),
          await store.findEntity(T1, ids.eu),
        );
        assert.deepEqual(await store.findEntities(T1, []), []);
      });

      it('finds an entity by its name within a tenant', async (t) => {
        const store = await seeded(t);
        assert.equal((await store.findEntityByName(T1, 'Acme-US'))?.id, ids.us);
        assert.equal((await store.findEntityByName(T1, 'Global'))?.id, ids.global);
        assert.equal((await store.findEntityByName(T2, 'Global'))?.id, ids.otherGlobal);
        assert.equal(await store.findEntityByName(T2, 'Acme-US'), undefined);
        // Names compare by their key (docs/LIMITS.md, "Entity names"): case and width aside.
        assert.equal((await store.findEntityByName(T1, 'ａｃｍｅ-us'))?.id, ids.us);
      });

      it('refuses a second entity whose name differs only by case or width (name_key)', async (t) => {
        const store = await seeded(t);
        await assertUniqueViolation(store.insertEntity(entity(hex('1'), { name: 'ＡＣＭＥ-us' })));
      });

      it('refuses a second entity with the same name in a tenant', async (t) => {
        const store = await seeded(t);
        await assertUniqueViolation(store.insertEntity(entity(hex('1'), { name: 'Acme-US' })));
      });

      it('allows the same entity name in two tenants', async (t) => {
        const store = await seeded(t);
        await store.insertEntity(
          entity(hex('1'), { tenantId: T2, name: 'Acme-US', parentId: ids.otherGlobal }),
        );
        assert.equal((await store.findEntityByName(T2, 'Acme-US'))?.id, hex('1'));
      });

      it('refuses a second entity with the same id, even in another tenant', async (t) => {
        const store = await seeded(t);
        await assertUniqueViolation(store.insertEntity(entity(ids.us, { name: 'Copy' })));
        await assertUniqueViolation(store.insertEntity(entity(ids.us, { tenantId: T2, name: 'Copy' })));
      });

      it('lists a tenant’s entities oldest first, then by id, filtered by provisioning', async (t) => {
        const store = await seeded(t);
        await store.insertEntity(entity(hex('0'), { name: 'Same-Time', createdAt: t0 + 1 }));
        const names = async (filter?: { provisioned?: boolean }) =>
          (await store.listEntities(T1, filter)).map((e) => e.name);
        assert.deepEqual(await names(), ['Global', 'Same-Time', 'Acme-US', 'Acme-EU', 'Acme-Lab']);
        assert.deepEqual(await names({}), await names());
        assert.deepEqual(await names({ provisioned: true }), ['Global', 'Same-Time', 'Acme-US', 'Acme-EU']);
        assert.deepEqual(await names({ provisioned: false }), ['Acme-Lab']);
        assert.deepEqual(
          (await store.listEntities(T2)).map((e) => e.id),
          [ids.otherGlobal],
        );
        assert.deepEqual(await store.listEntities('404'), []);
      });

      it('lists every entity of a tenant and none of another’s', async (t) => {
        const store = await seeded(t);
        assert.equal((await store.listEntities(T1)).length, 4);
        assert.equal((await store.listEntities(T2)).length, 1);
        assert.equal((await store.listEntities('404')).length, 0);
      });

      it('updates only the fields a patch names, in the entity’s own tenant', async (t) => {
        const store = await seeded(t);
        const before = await store.findEntity(T1, ids.lab);
        await store.updateEntity(T1, ids.lab, {
          name: 'Acme-Research',
          displayName: 'Research',
          locale: 'fr_FR',
          timezone: 'Europe/Paris',
          status: 'Provisioned',
        });
        assert.deepEqual(await store.findEntity(T1, ids.lab), {
          ...before,
          name: 'Acme-Research',
          displayName: 'Research',
          locale: 'fr_FR',
          timezone: 'Europe/Paris',
          status: 'Provisioned',
        });
        await store.updateEntity(T1, ids.lab, { displayName: 'Lab 2' });
        assert.equal((await store.findEntity(T1, ids.lab))?.name, 'Acme-Research');
        assert.equal((await store.findEntity(T1, ids.lab))?.displayName, 'Lab 2');
        await store.updateEntity(T1, ids.lab, {});
        assert.equal((await store.findEntity(T1, ids.lab))?.displayName, 'Lab 2');
        await store.updateEntity(T2, ids.lab, { displayName: 'Not mine' });
        assert.equal((await store.findEntity(T1, ids.lab))?.displayName, 'Lab 2');
      });

      it('refuses a rename onto a name the tenant already uses', async (t) => {
        const store = await seeded(t);
        await assertUniqueViolation(store.updateEntity(T1, ids.lab, { name: 'Acme-US' }));
        assert.equal((await store.findEntity(T1, ids.lab))?.name, 'Acme-Lab');
      });

      it('deletes exactly the listed entities of the tenant', async (t) => {
        const store = await seeded(t);
        await store.deleteEntities(T1, [ids.us, ids.lab]);
        assert.deepEqual(
          (await store.listEntities(T1)).map((e) => e.id),
          [ids.global, ids.eu],
        );
        await store.deleteEntities(T2, [ids.eu]);
        assert.ok(await store.findEntity(T1, ids.eu), 'another tenant cannot delete it');
        await store.deleteEntities(T1, []);
        assert.equal((await store.listEntities(T1)).length, 2);
      });
    });

    describe('users and memberships', () => {
      it('round-trips a user with every field, by id and by username', async (t) => {
        const store = await seeded(t);
        const clerk = user(hex('5'), {
          username: 'clerk@acme.test',
          homeEntityId: ids.us,
          status: 'Inactive',
        });
        await store.insertUser(clerk);
        assert.deepEqual(await store.findUser(T1, clerk.id), clerk);
        assert.deepEqual(await store.findUserByUsername(T1, 'clerk@acme.test'), clerk);
        assert.equal(await store.findUser(T2, clerk.id), undefined);
        assert.equal(await store.findUserByUsername(T2, 'clerk@acme.test'), undefined);
      });

      it('refuses a second user with the same username in a tenant, allows it in another', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5'), { username: 'same@acme.test' }));
        await assertUniqueViolation(store.insertUser(user(hex('6'), { username: 'same@acme.test' })));
        await store.insertUser(user(hex('7'), { tenantId: T2, username: 'same@acme.test' }));
        assert.equal((await store.findUserByUsername(T2, 'same@acme.test'))?.id, hex('7'));
      });

      it('lists a tenant’s users oldest first and changes a user’s status', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('6'), { createdAt: t0 + 1 }));
        await store.insertUser(user(hex('5'), { createdAt: t0 + 1 }));
        await store.insertUser(user(hex('7'), { createdAt: t0 }));
        await store.insertUser(user(hex('8'), { tenantId: T2 }));
        assert.deepEqual(
          (await store.listUsers(T1)).map((u) => u.id),
          [hex('7'), hex('5'), hex('6')],
        );
        await store.setUserStatus(T1, hex('5'), 'Inactive');
        assert.equal((await store.findUser(T1, hex('5')))?.status, 'Inactive');
        await store.setUserStatus(T2, hex('6'), 'Inactive');
        assert.equal((await store.findUser(T1, hex('6')))?.status, 'Active', 'only in its own tenant');
      });

      it('lists a user’s memberships by entity id, whatever the order they were written in', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        for (const entityId of [ids.lab, ids.global, ids.eu, ids.us]) {
          await store.upsertMembership({
            userId: hex('5'),
            entityId,
            role: 'Standard User',
            status: 'Pending Review',
            updatedAt: t0,
          });
        }
        // An update must not move a membership in the list.
        await store.upsertMembership({
          userId: hex('5'),
          entityId: ids.global,
          role: 'Administrator',
          status: 'Active',
          updatedAt: t0 + 1,
        });
        assert.deepEqual(
          (await store.listMemberships(hex('5'))).map((m) => m.entityId),
          [ids.global, ids.us, ids.eu, ids.lab],
        );
      });

      it('lists a tenant’s users oldest first, each with its memberships by entity id, in one read', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('6'), { createdAt: t0 + 1 }));
        await store.insertUser(user(hex('5'), { createdAt: t0 + 1 }));
        await store.insertUser(user(hex('7'), { createdAt: t0 }));
        await store.insertUser(user(hex('8'), { tenantId: T2 }));
        const member = (userId: string, entityId: string, status: 'Active' | 'Pending Review') => ({
          userId,
          entityId,
          role: 'Standard User' as const,
          status,
          updatedAt: t0,
        });
        for (const entityId of [ids.lab, ids.global, ids.eu]) {
          await store.upsertMembership(member(hex('6'), entityId, 'Active'));
        }
        await store.upsertMembership(member(hex('7'), ids.us, 'Pending Review'));
        const listed = await store.listUsersWithMemberships(T1);
        assert.deepEqual(
          listed.map(({ user, memberships }) => [user.id, memberships.map((m) => [m.entityId, m.status])]),
          [
            [hex('7'), [[ids.us, 'Pending Review']]],
            [hex('5'), []],
            [
              hex('6'),
              [
                [ids.global, 'Active'],
                [ids.eu, 'Active'],
                [ids.lab, 'Active'],
              ],
            ],
          ],
        );
        assert.deepEqual(listed[0]?.user, await store.findUser(T1, hex('7')), 'the whole user record');
      });

      it('writes a membership only while it still has the expected status (compare-and-set)', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        const base = { userId: hex('5'), entityId: ids.us, role: 'Standard User' as const, updatedAt: t0 };
        const pending = { ...base, status: 'Pending Review' as const };
        assert.equal(await store.setMembershipIf(pending, null), true, 'none yet: inserted');
        assert.deepEqual(await store.findMembership(hex('5'), ids.us), pending);
        assert.equal(
          await store.setMembershipIf({ ...pending, updatedAt: t0 + 1 }, null),
          false,
          'one exists',
        );
        assert.equal(
          await store.setMembershipIf({ ...base, status: 'Active', updatedAt: t0 + 2 }, 'Access Denied'),
          false,
        );
        assert.deepEqual(
          await store.findMembership(hex('5'), ids.us),
          pending,
          'a refused write changes nothing',
        );
        const active = {
          ...base,
          role: 'Administrator' as const,
          status: 'Active' as const,
          updatedAt: t0 + 3,
        };
        assert.equal(await store.setMembershipIf(active, 'Pending Review'), true);
        assert.deepEqual(await store.findMembership(hex('5'), ids.us), active);
      });

      it('lets only one of a concurrent accept and deny of the same request win', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        const base = { userId: hex('5'), entityId: ids.us, role: 'Standard User' as const, updatedAt: t0 };
        await store.setMembershipIf({ ...base, status: 'Pending Review' }, null);
        const results = await Promise.all([
          store.setMembershipIf({ ...base, status: 'Active', updatedAt: t0 + 1 }, 'Pending Review'),
          store.setMembershipIf({ ...base, status: 'Access Denied', updatedAt: t0 + 1 }, 'Pending Review'),
        ]);
        assert.equal(results.filter(Boolean).length, 1);
        const status = (await store.findMembership(hex('5'), ids.us))?.status;
        assert.equal(status, results[0] ? 'Active' : 'Access Denied');
      });

      it('deletes the memberships in given entities and answers them', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        await store.insertUser(user(hex('6')));
        const m = (userId: string, entityId: string) => ({
          userId,
          entityId,
          role: 'Standard User' as const,
          status: 'Active' as const,
          updatedAt: t0,
        });
        for (const x of [
          m(hex('6'), ids.lab),
          m(hex('5'), ids.lab),
          m(hex('5'), ids.us),
          m(hex('5'), ids.eu),
        ]) {
          await store.upsertMembership(x);
        }
        const removed = await store.deleteMembershipsInEntities([ids.lab, ids.us]);
        assert.deepEqual(
          [...removed].sort((a, b) => `${a.userId}${a.entityId}`.localeCompare(`${b.userId}${b.entityId}`)),
          [m(hex('5'), ids.us), m(hex('5'), ids.lab), m(hex('6'), ids.lab)],
        );
        assert.deepEqual(await store.listMemberships(hex('5')), [m(hex('5'), ids.eu)]);
        assert.deepEqual(await store.listMemberships(hex('6')), []);
        assert.deepEqual(await store.deleteMembershipsInEntities([]), []);
      });

      it('inserts a membership, then replaces its role, status and time', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        const pending = {
          userId: hex('5'),
          entityId: ids.us,
          role: 'Standard User' as const,
          status: 'Pending Review' as const,
          updatedAt: t0,
        };
        await store.upsertMembership(pending);
        assert.deepEqual(await store.findMembership(hex('5'), ids.us), pending);
        const active = {
          ...pending,
          role: 'Administrator' as const,
          status: 'Active' as const,
          updatedAt: t0 + 9,
        };
        await store.upsertMembership(active);
        assert.deepEqual(await store.findMembership(hex('5'), ids.us), active);
        await store.upsertMembership({ ...pending, entityId: ids.eu, status: 'Access Denied' });
        assert.deepEqual(await store.listMemberships(hex('5')), [
          active,
          { ...pending, entityId: ids.eu, status: 'Access Denied' },
        ]);
        assert.equal(await store.findMembership(hex('5'), ids.global), undefined);
        assert.deepEqual(await store.listMemberships(hex('6')), []);
      });

      it('finds an entity of the tenant with one user’s membership in it, and none of another’s', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        await store.insertUser(user(hex('6')));
        const membership = {
          userId: hex('5'),
          entityId: ids.us,
          role: 'Administrator' as const,
          status: 'Active' as const,
          updatedAt: t0 + 4,
        };
        await store.upsertMembership(membership);
        await store.upsertMembership({ ...membership, userId: hex('6'), entityId: ids.eu });
        assert.deepEqual(await store.findEntityAccess(T1, ids.us, hex('5')), {
          entity: await store.findEntity(T1, ids.us),
          membership,
        });
        assert.deepEqual(await store.findEntityAccess(T1, ids.us, hex('6')), {
          entity: await store.findEntity(T1, ids.us),
          membership: undefined,
        });
        assert.equal(await store.findEntityAccess(T2, ids.us, hex('5')), undefined);
        assert.equal(await store.findEntityAccess(T1, hex('f'), hex('5')), undefined);
      });
    });

    describe('OAuth clients and tokens', () => {
      it('round-trips a client with every field, keeping the order of its entities', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        const client: OAuthClient = {
          clientId: '22222222-2222-4222-8222-222222222222',
          tenantId: T1,
          userId: hex('5'),
          secretHash: 'sha256$salt$digest',
          entityIds: [ids.eu, ids.global, ids.us],
          createdAt: t0,
        };
        await store.insertClient(client);
        const found = await store.findClient(client.clientId);
        // Fields added to OAuthClient later (a status) may come back too; these must be as written.
        for (const [field, value] of Object.entries(client)) {
          assert.deepEqual(found?.[field as keyof OAuthClient], value, field);
        }
        assert.equal(await store.findClient('33333333-3333-4333-8333-333333333333'), undefined);
        assert.deepEqual(
          (await store.listClients(T1)).map((c) => c.clientId),
          [client.clientId],
        );
        assert.deepEqual(await store.listClients(T2), []);
      });

      it('lists a tenant’s clients oldest first, then by client id', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        const client = (clientId: string, createdAt: number): OAuthClient => ({
          clientId,
          tenantId: T1,
          userId: hex('5'),
          secretHash: 'x',
          entityIds: [ids.global],
          createdAt,
        });
        await store.insertClient(client('cccccccc-0000-4000-8000-000000000000', t0));
        await store.insertClient(client('bbbbbbbb-0000-4000-8000-000000000000', t0 + 1));
        await store.insertClient(client('aaaaaaaa-0000-4000-8000-000000000000', t0 + 1));
        assert.deepEqual(
          (await store.listClients(T1)).map((c) => c.clientId),
          [
            'cccccccc-0000-4000-8000-000000000000',
            'aaaaaaaa-0000-4000-8000-000000000000',
            'bbbbbbbb-0000-4000-8000-000000000000',
          ],
        );
      });

      it('changes a client’s entities and status', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        const clientId = '22222222-2222-4222-8222-222222222222';
        await store.insertClient({
          clientId,
          tenantId: T1,
          userId: hex('5'),
          secretHash: 'x',
          entityIds: [ids.global, ids.us],
          createdAt: t0,
        });
        assert.equal((await store.findClient(clientId))?.status ?? 'Active', 'Active');
        await store.setClientEntities(clientId, [ids.eu, ids.global]);
        assert.deepEqual((await store.findClient(clientId))?.entityIds, [ids.eu, ids.global]);
        await store.setClientEntities(clientId, []);
        assert.deepEqual((await store.findClient(clientId))?.entityIds, []);
        await store.setClientStatus(clientId, 'Inactive');
        assert.equal((await store.findClient(clientId))?.status, 'Inactive');
        await store.setClientStatus(clientId, 'Active');
        assert.equal((await store.findClient(clientId))?.status, 'Active');
      });

      it('refuses a second client with the same id', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        const client = {
          clientId: '22222222-2222-4222-8222-222222222222',
          tenantId: T1,
          userId: hex('5'),
          secretHash: 'x',
          entityIds: [],
          createdAt: t0,
        };
        await store.insertClient(client);
        await assertUniqueViolation(store.insertClient({ ...client, secretHash: 'y' }));
      });

      it('round-trips a token and deletes those expired at or before a time', async (t) => {
        const store = await seeded(t);
        const token = (n: string, expiresAt: number): AccessToken => ({
          tokenHash: n.repeat(64),
          jti: hex(n),
          tenantId: T1,
          clientId: '22222222-2222-4222-8222-222222222222',
          userId: hex('5'),
          entityIds: [ids.us, ids.global],
          issuedAt: t0,
          expiresAt,
        });
        await store.insertToken(token('1', t0 + 1000));
        await store.insertToken(token('2', t0 + 2000));
        await store.insertToken(token('3', t0 + 3000));
        assert.deepEqual((await store.findBearer('1'.repeat(64)))?.token, token('1', t0 + 1000));
        assert.equal((await store.findBearer('4'.repeat(64)))?.token, undefined);
        await assertUniqueViolation(store.insertToken(token('1', t0)));
        assert.equal(await store.deleteExpiredTokens(t0 + 2000), 2);
        assert.equal((await store.findBearer('2'.repeat(64)))?.token, undefined);
        assert.ok((await store.findBearer('3'.repeat(64)))?.token);
        assert.equal(await store.deleteExpiredTokens(t0 + 2000), 0);
      });

      it('finds a token with its tenant, its clock and seed, and its user and client as they are now', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        const { client, token } = await clientAndToken(store, {
          clientId: '22222222-2222-4222-8222-222222222222',
          clientEntityIds: [ids.us],
          tokenHash: 'a'.repeat(64),
          tokenEntityIds: [ids.us, ids.global],
        });
        await store.updateTenantState(T1, {
          fixture: '{"tenant":"big"}',
          idSeed: 'seed',
          clock: { offsetMs: 5000, frozenAt: null },
        });
        await store.setUserStatus(T1, hex('5'), 'Inactive');
        await store.setClientStatus(client.clientId, 'Inactive');

        const found = await store.findBearer(token.tokenHash);
        assert.deepEqual(found?.token, token);
        assert.deepEqual(found?.tenant, tenant(T1));
        assert.deepEqual(found?.tenantState, {
          tenantId: T1,
          idSeed: 'seed',
          idCounter: 0,
          clock: { offsetMs: 5000, frozenAt: null },
        });
        assert.deepEqual(found?.user, await store.findUser(T1, hex('5')));
        assert.equal(found?.user?.status, 'Inactive');
        assert.deepEqual(found?.client, await store.findClient(client.clientId));
        assert.equal(found?.client?.status, 'Inactive');
        assert.deepEqual(await store.findTenantRuntime(T1), found?.tenantState);
        assert.equal(await store.findBearer('b'.repeat(64)), undefined);
      });

      it('reads, with the token, the entity a request names and the token user’s membership in it, as findEntityAccess does', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        await store.insertUser(user(hex('6')));
        const { token } = await clientAndToken(store, {
          clientId: '55555555-5555-4555-8555-555555555555',
          clientEntityIds: [ids.us, ids.eu],
          tokenHash: 'd'.repeat(64),
          tokenEntityIds: [ids.us, ids.eu],
        });
        const membership = {
          userId: hex('5'),
          entityId: ids.us,
          role: 'Administrator' as const,
          status: 'Active' as const,
          updatedAt: t0 + 4,
        };
        await store.upsertMembership(membership);
        // Another user's membership in eu is not the token user's.
        await store.upsertMembership({ ...membership, userId: hex('6'), entityId: ids.eu });

        const plain = await store.findBearer(token.tokenHash);
        assert.equal(plain?.entityAccess, undefined, 'not asked, not read');
        for (const entityId of [ids.us, ids.eu, ids.otherGlobal, hex('f')]) {
          const found = await store.findBearer(token.tokenHash, entityId);
          assert.deepEqual({ ...found, entityAccess: undefined }, { ...plain, entityAccess: undefined });
          assert.deepEqual(
            found?.entityAccess,
            (await store.findEntityAccess(T1, entityId, hex('5'))) ?? null,
            entityId,
          );
        }
        assert.equal(
          (await store.findBearer(token.tokenHash, ids.us))?.entityAccess?.membership?.role,
          'Administrator',
        );
        assert.equal((await store.findBearer(token.tokenHash, ids.eu))?.entityAccess?.membership, undefined);
        assert.equal(
          (await store.findBearer(token.tokenHash, ids.otherGlobal))?.entityAccess,
          null,
          'another tenant’s',
        );
        assert.equal(await store.findBearer('e'.repeat(64), ids.us), undefined);
      });

      it('reads, without an entity id, a one-entity token’s entity and the token user’s membership in it', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        const { token } = await clientAndToken(store, {
          clientId: '77777777-7777-4777-8777-777777777777',
          clientEntityIds: [ids.us],
          tokenHash: 'd'.repeat(64),
          tokenEntityIds: [ids.us],
        });
        await store.upsertMembership({
          userId: hex('5'),
          entityId: ids.us,
          role: 'Administrator',
          status: 'Active',
          updatedAt: t0,
        });
        const found = await store.findBearer(token.tokenHash);
        assert.deepEqual(found?.entityAccess, await store.findEntityAccess(T1, ids.us, hex('5')));
        assert.equal(found?.entityAccess?.membership?.role, 'Administrator');

        // A token whose only entity is not (or no longer) one of its tenant's.
        await store.insertToken({
          ...token,
          tokenHash: 'a'.repeat(64),
          jti: hex('a'),
          entityIds: [hex('f')],
        });
        assert.equal((await store.findBearer('a'.repeat(64)))?.entityAccess, null);
      });

      it('answers changes to memberships, the clock, the client, the user, tokens and the tenant made since an earlier findBearer at once', async (t) => {
        const store = await seeded(t);
        await store.insertUser(user(hex('5')));
        const { client, token } = await clientAndToken(store, {
          clientId: '66666666-6666-4666-8666-666666666666',
          clientEntityIds: [ids.us],
          tokenHash: 'f'.repeat(64),
          tokenEntityIds: [ids.us],
        });
        const read = async () => {
          await store.findBearer(token.tokenHash, ids.us);
          return store.findBearer(token.tokenHash, ids.us);
        };
        assert.equal((await read())?.user?.status, 'Active');

        // A second token, issued and then swept as expired: the first stays, the second is gone.
        const second: AccessToken = {
          ...token,
          tokenHash: 'e'.repeat(64),
          jti: hex('8'),
          expiresAt: t0 + 500,
        };
        await store.insertToken(second);
        assert.equal((await store.findBearer(second.tokenHash, ids.us))?.token.jti, hex('8'));
        assert.deepEqual((await read())?.token, token);
        assert.equal(await store.deleteExpiredTokens(t0 + 500), 1);
        assert.equal(await store.findBearer(second.tokenHash, ids.us), undefined);
        assert.deepEqual((await read())?.token, token);

        await store.upsertMembership({
          userId: hex('5'),
          entityId: ids.us,
          role: 'Administrator',
          status: 'Active',
          updatedAt: t0,
        });
        assert.equal((await read())?.entityAccess?.membership?.role, 'Administrator');
        await store.updateTenantState(T1, { clock: { offsetMs: 7000, frozenAt: null } });
        assert.equal((await read())?.tenantState.clock.offsetMs, 7000);
        await store.setClientStatus(client.clientId, 'Inactive');
        assert.equal((await read())?.client?.status, 'Inactive');
        await store.setUserStatus(T1, hex('5'), 'Inactive');
        assert.equal((await read())?.user?.status, 'Inactive');
        await store.transaction((tx) => tx.deleteTenantData(T1, { keepTenant: true }));
        assert.equal(await read(), undefined);
      });

      it('finds a token whose user and client are gone with neither', async (t) => {
        const store = await seeded(t);
        await store.insertToken({
          tokenHash: 'c'.repeat(64),
          jti: hex('8'),
          tenantId: T1,
          clientId: '44444444-4444-4444-8444-444444444444',
          userId: hex('7'),
          entityIds: [ids.us],
          issuedAt: t0,
          expiresAt: t0 + 1000,
        });
        const found = await store.findBearer('c'.repeat(64));
        assert.equal(found?.token.userId, hex('7'));
        assert.equal(found?.user, undefined);
        assert.equal(found?.client, undefined);
      });
    });

    describe('entity connections', () => {
      it('round-trips a connection with every field, in its own tenant only', async (t) => {
        const store = await seeded(t);
        const c = connection(ids.us, ids.eu, 'Pending', { createdAt: t0 + 5, updatedAt: t0 + 6 });
        await store.insertConnection(c);
        assert.deepEqual(await store.findConnection(T1, c.id), c);
        assert.equal(await store.findConnection(T2, c.id), undefined);
        await assertUniqueViolation(store.insertConnection({ ...c, sourceEntityId: ids.global }));
      });

      for (const [first, second] of [
        ['Pending', 'Pending'],
        ['Pending', 'Connected'],
        ['Connected', 'Pending'],
        ['Connected', 'Connected'],
      ] as const) {
        it(`refuses a ${second} connection beside a ${first} one on the same ordered pair`, async (t) => {
          const store = await seeded(t);
          await store.insertConnection(connection(ids.us, ids.eu, first));
          await assertUniqueViolation(store.insertConnection(connection(ids.us, ids.eu, second)));
        });
      }

      it('lets a Disconnected connection stand beside an open one and beside other Disconnected ones', async (t) => {
        const store = await seeded(t);
        await store.insertConnection(connection(ids.us, ids.eu, 'Disconnected'));
        await store.insertConnection(connection(ids.us, ids.eu, 'Disconnected'));
        await store.insertConnection(connection(ids.us, ids.eu, 'Pending'));
        await store.insertConnection(connection(ids.us, ids.eu, 'Disconnected'));
        const page = await store.listConnections(T1, ids.us, 'outbound', { offset: 0, limit: 10 });
        assert.equal(page.connections.length, 4);
      });

      it('treats the pair as ordered: the reverse direction is another pair', async (t) => {
        const store = await seeded(t);
        const forth = connection(ids.us, ids.eu, 'Connected');
        const back = connection(ids.eu, ids.us, 'Pending');
        const elsewhere = connection(ids.us, ids.global, 'Pending');
        for (const c of [forth, back, elsewhere]) await store.insertConnection(c);
        assert.equal((await store.findOpenConnection(T1, ids.us, ids.eu))?.id, forth.id);
        assert.equal((await store.findOpenConnection(T1, ids.eu, ids.us))?.id, back.id);
        assert.equal((await store.findOpenConnection(T1, ids.us, ids.global))?.id, elsewhere.id);
        const page = await store.listConnections(T1, ids.us, 'both', { offset: 0, limit: 10 });
        assert.deepEqual(page.connections.map((c) => c.id).sort(), [forth.id, back.id, elsewhere.id].sort());
      });

      it('frees the pair when a connection is disconnected, and holds it again when reopened', async (t) => {
        const store = await seeded(t);
        const first = connection(ids.us, ids.eu, 'Connected');
        await store.insertConnection(first);
        await store.updateConnectionStatus(T1, first.id, 'Disconnected', t0 + 100);
        assert.deepEqual(await store.findConnection(T1, first.id), {
          ...first,
          status: 'Disconnected',
          updatedAt: t0 + 100,
        });
        const second = connection(ids.us, ids.eu, 'Pending');
        await store.insertConnection(second);
        await assertUniqueViolation(store.updateConnectionStatus(T1, first.id, 'Connected', t0 + 200));
        assert.equal((await store.findConnection(T1, first.id))?.status, 'Disconnected');
      });

      it('changes the status only in the connection’s own tenant', async (t) => {
        const store = await seeded(t);
        const c = connection(ids.us, ids.eu, 'Pending');
        await store.insertConnection(c);
        await store.updateConnectionStatus(T2, c.id, 'Connected', t0 + 100);
        assert.deepEqual(await store.findConnection(T1, c.id), c);
      });

      it('finds the open connection of an ordered pair, not a Disconnected one', async (t) => {
        const store = await seeded(t);
        await store.insertConnection(connection(ids.us, ids.eu, 'Disconnected'));
        assert.equal(await store.findOpenConnection(T1, ids.us, ids.eu), undefined);
        const pending = connection(ids.us, ids.eu, 'Pending');
        await store.insertConnection(pending);
        assert.deepEqual(await store.findOpenConnection(T1, ids.us, ids.eu), pending);
        assert.equal(await store.findOpenConnection(T1, ids.eu, ids.us), undefined);
        assert.equal(await store.findOpenConnection(T2, ids.us, ids.eu), undefined);
        await store.updateConnectionStatus(T1, pending.id, 'Connected', t0 + 50);
        assert.equal((await store.findOpenConnection(T1, ids.us, ids.eu))?.status, 'Connected');
      });

      it('deletes the connections touching given entities, either side, in the tenant, and answers them', async (t) => {
        const store = await seeded(t);
        const out = connection(ids.us, ids.eu, 'Connected', { createdAt: t0 + 1 });
        const inbound = connection(ids.global, ids.us, 'Pending', { createdAt: t0 + 2 });
        const old = connection(ids.lab, ids.global, 'Disconnected', { createdAt: t0 + 3 });
        const kept = connection(ids.global, ids.eu, 'Pending', { createdAt: t0 + 4 });
        for (const c of [kept, old, inbound, out]) await store.insertConnection(c);
        assert.deepEqual(await store.deleteConnectionsOfEntities(T2, [ids.us]), [], 'another tenant');
        assert.deepEqual(await store.deleteConnectionsOfEntities(T1, [ids.us, ids.lab]), [out, inbound, old]);
        assert.deepEqual(
          (await store.listConnections(T1, ids.global, 'both', { offset: 0, limit: 10 })).connections,
          [kept],
        );
        assert.deepEqual(await store.deleteConnectionsOfEntities(T1, []), []);
      });

      it('deletes a connection in its own tenant only', async (t) => {
        const store = await seeded(t);
        const c = connection(ids.us, ids.eu, 'Pending');
        await store.insertConnection(c);
        await store.deleteConnection(T2, c.id);
        assert.ok(await store.findConnection(T1, c.id));
        await store.deleteConnection(T1, c.id);
        assert.equal(await store.findConnection(T1, c.id), undefined);
        await store.insertConnection(connection(ids.us, ids.eu, 'Pending'));
      });

      describe('listing', () => {
        /** US has 5 outbound and 3 inbound connections; one more pair does not touch US. */
        async function withConnections(t: TestContext) {
          const store = await seeded(t);
          const out = [
            connection(ids.us, ids.eu, 'Pending', { createdAt: t0 + 10 }),
            connection(ids.us, ids.global, 'Connected', { createdAt: t0 + 20 }),
            connection(ids.us, ids.eu, 'Disconnected', { createdAt: t0 + 30 }),
            connection(ids.us, ids.lab, 'Disconnected', { createdAt: t0 + 40 }),
            connection(ids.us, ids.global, 'Disconnected', { createdAt: t0 + 50 }),
          ];
          const inbound = [
            connection(ids.eu, ids.us, 'Connected', { createdAt: t0 + 15 }),
            connection(ids.global, ids.us, 'Pending', { createdAt: t0 + 35 }),
            connection(ids.lab, ids.us, 'Disconnected', { createdAt: t0 + 55 }),
          ];
          const unrelated = connection(ids.eu, ids.global, 'Pending', { createdAt: t0 + 12 });
          // Inserted out of order, so the order seen comes from the query.
          for (const c of [...inbound, unrelated, ...[...out].reverse()]) await store.insertConnection(c);
          return { store, out, inbound };
        }
        const idsOf = (cs: Connection[]) => cs.map((c) => c.id);

        it('lists outbound connections oldest first', async (t) => {
          const { store, out } = await withConnections(t);
          const page = await store.listConnections(T1, ids.us, 'outbound', { offset: 0, limit: 30 });
          assert.deepEqual(page, { connections: out, hasMore: false });
        });

        it('lists inbound connections oldest first', async (t) => {
          const { store, inbound } = await withConnections(t);
          const page = await store.listConnections(T1, ids.us, 'inbound', { offset: 0, limit: 30 });
          assert.deepEqual(page, { connections: inbound, hasMore: false });
        });

        it('lists both directions together, oldest first', async (t) => {
          const { store, out, inbound } = await withConnections(t);
          const page = await store.listConnections(T1, ids.us, 'both', { offset: 0, limit: 30 });
          const expected = [...out, ...inbound].sort((a, b) => a.createdAt - b.createdAt);
          assert.deepEqual(idsOf(page.connections), idsOf(expected));
          assert.equal(page.hasMore, false);
        });

        it('orders connections created at the same time by id', async (t) => {
          const store = await seeded(t);
          const b = connection(ids.us, ids.eu, 'Pending', { id: hex('b'), createdAt: t0 });
          const a = connection(ids.us, ids.global, 'Pending', { id: hex('a'), createdAt: t0 });
          await store.insertConnection(b);
          await store.insertConnection(a);
          const page = await store.listConnections(T1, ids.us, 'outbound', { offset: 0, limit: 30 });
          assert.deepEqual(idsOf(page.connections), [hex('a'), hex('b')]);
        });

        for (const direction of ['outbound', 'inbound', 'both'] as const) {
          it(`pages ${direction} connections with offset and limit, telling whether more follow`, async (t) => {
            const { store, out, inbound } = await withConnections(t);
            const all =
              direction === 'outbound'
                ? out
                : direction === 'inbound'
                  ? inbound
                  : [...out, ...inbound].sort((a, b) => a.createdAt - b.createdAt);
            for (const limit of [1, 2, 3]) {
              const seen: string[] = [];
              for (let offset = 0; offset < all.length + limit; offset += limit) {
                const page = await store.listConnections(T1, ids.us, direction, { offset, limit });
                assert.deepEqual(
                  idsOf(page.connections),
                  idsOf(all.slice(offset, offset + limit)),
                  `${offset}+${limit}`,
                );
                assert.equal(page.hasMore, offset + limit < all.length, `hasMore at ${offset}+${limit}`);
                seen.push(...idsOf(page.connections));
              }
              assert.deepEqual(seen, idsOf(all));
            }
            const exact = await store.listConnections(T1, ids.us, direction, {
              offset: 0,
              limit: all.length,
            });
            assert.equal(exact.hasMore, false, 'a page that ends exactly at the last row has no next page');
          });
        }

        it('lists nothing for another tenant or an entity without connections', async (t) => {
          const { store } = await withConnections(t);
          assert.deepEqual(await store.listConnections(T2, ids.us, 'both', { offset: 0, limit: 30 }), {
            connections: [],
            hasMore: false,
          });
          assert.deepEqual(
            await store.listConnections(T1, ids.otherGlobal, 'both', { offset: 0, limit: 30 }),
            { connections: [], hasMore: false },
          );
        });
      });
    });

    describe('idempotency keys', () => {
      it('round-trips a claim with every field', async (t) => {
        const store = await open(t);
        const record = claim();
        await store.insertIdempotencyClaim(record);
        assert.deepEqual(await store.findIdempotencyRecord(T1, record.clientId, 'key-1'), record);
        assert.equal(await store.findIdempotencyRecord(T1, record.clientId, 'key-2'), undefined);
        assert.equal(await store.findIdempotencyRecord(T2, record.clientId, 'key-1'), undefined);
        assert.equal(await store.findIdempotencyRecord(T1, 'other', 'key-1'), undefined);
      });

      it('refuses a second claim of the same key by the same tenant and client', async (t) => {
        const store = await open(t);
        await store.insertIdempotencyClaim(claim());
        await assertUniqueViolation(store.insertIdempotencyClaim(claim({ url: '/other' })));
      });

      it('keeps the same key apart for another tenant or client', async (t) => {
        const store = await open(t);
        const claims = [
          claim(),
          claim({ tenantId: T2, url: '/t2' }),
          claim({ clientId: 'another-client', url: '/c2' }),
        ];
        for (const c of claims) await store.insertIdempotencyClaim(c);
        for (const c of claims) {
          assert.deepEqual(await store.findIdempotencyRecord(c.tenantId, c.clientId, 'key-1'), c);
        }
      });

      it('stores the response of a completed key', async (t) => {
        const store = await open(t);
        await store.insertIdempotencyClaim(claim());
        const response = {
          status: 201,
          headers: { 'content-type': 'application/json; charset=utf-8', 'zuora-track-id': 'abc' },
          body: '{"id":"x","success":true}',
        };
        assert.equal(
          await store.completeIdempotencyKey(T1, claim().clientId, 'key-1', claim().createdAt, response),
          true,
        );
        assert.deepEqual(await store.findIdempotencyRecord(T1, claim().clientId, 'key-1'), {
          ...claim(),
          state: 'done',
          responseStatus: 201,
          responseHeaders: response.headers,
          responseBody: response.body,
        });
      });

      it('completes only the claim made at the given time', async (t) => {
        const store = await open(t);
        await store.insertIdempotencyClaim(claim());
        const stale = claim().createdAt - 1;
        const response = { status: 200, headers: {}, body: 'late' };
        assert.equal(
          await store.completeIdempotencyKey(T1, claim().clientId, 'key-1', stale, response),
          false,
        );
        assert.deepEqual(await store.findIdempotencyRecord(T1, claim().clientId, 'key-1'), claim());
      });

      it('replaces a claim only while it is still the one seen (compare-and-set)', async (t) => {
        const store = await open(t);
        const first = claim();
        await store.insertIdempotencyClaim(first);
        const next = claim({
          lockedUntil: t0 + 90_000,
          createdAt: t0 + 60_000,
          expiresAt: t0 + 99_000_000,
          url: '/b',
        });
        assert.equal(await store.replaceIdempotencyClaim(first, next), true);
        assert.deepEqual(await store.findIdempotencyRecord(T1, first.clientId, 'key-1'), next);
        assert.equal(await store.replaceIdempotencyClaim(first, claim({ url: '/c' })), false, 'stale');
        assert.equal((await store.findIdempotencyRecord(T1, first.clientId, 'key-1'))?.url, '/b');
      });

      it('lets only one of two concurrent replacements of the same claim succeed', async (t) => {
        const store = await open(t);
        const first = claim();
        await store.insertIdempotencyClaim(first);
        const results = await Promise.all([
          store.replaceIdempotencyClaim(first, claim({ createdAt: t0 + 1, url: '/x' })),
          store.replaceIdempotencyClaim(first, claim({ createdAt: t0 + 2, url: '/y' })),
        ]);
        assert.deepEqual(results.filter(Boolean).length, 1);
        const winner = results[0] ? '/x' : '/y';
        assert.equal((await store.findIdempotencyRecord(T1, first.clientId, 'key-1'))?.url, winner);
      });

      it('replaces a completed record with a fresh claim, clearing its response', async (t) => {
        const store = await open(t);
        await store.insertIdempotencyClaim(claim());
        await store.completeIdempotencyKey(T1, claim().clientId, 'key-1', claim().createdAt, {
          status: 200,
          headers: {},
          body: 'x',
        });
        const done = await store.findIdempotencyRecord(T1, claim().clientId, 'key-1');
        assert.ok(done);
        const fresh = claim({ createdAt: t0 + 86_400_000, expiresAt: t0 + 2 * 86_400_000 });
        assert.equal(await store.replaceIdempotencyClaim(done, fresh), true);
        assert.deepEqual(await store.findIdempotencyRecord(T1, claim().clientId, 'key-1'), fresh);
      });

      it('deletes keys expired at or before a time and counts them', async (t) => {
        const store = await open(t);
        await store.insertIdempotencyClaim(claim({ key: 'a', expiresAt: t0 + 10 }));
        await store.insertIdempotencyClaim(claim({ key: 'b', expiresAt: t0 + 20, tenantId: T2 }));
        await store.insertIdempotencyClaim(claim({ key: 'c', expiresAt: t0 + 21 }));
        assert.equal(await store.deleteExpiredIdempotencyKeys(t0 + 20), 2);
        assert.equal(await store.findIdempotencyRecord(T1, claim().clientId, 'a'), undefined);
        assert.ok(await store.findIdempotencyRecord(T1, claim().clientId, 'c'));
        assert.equal(await store.deleteExpiredIdempotencyKeys(t0 + 20), 0);
      });
    });

    describe('audit trail', () => {
      function event(id: string, at: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
        return {
          id,
          tenantId: T1,
          at,
          userId: hex('5'),
          clientId: '22222222-2222-4222-8222-222222222222',
          entityId: ids.us,
          action: 'connection.request',
          resourceType: 'connection',
          resourceId: hex('1'),
          before: null,
          after: { status: 'Pending', nested: { list: [1, 'two', null] } },
          ...overrides,
        };
      }

      it('round-trips an event with every field, JSON and nulls included', async (t) => {
        const store = await seeded(t);
        const withActor = event(hex('1'), t0);
        const byOperator = event(hex('2'), t0 - 1, {
          userId: null,
          clientId: null,
          entityId: null,
          action: 'entity.update',
          resourceType: 'entity',
          resourceId: ids.eu,
          before: { name: 'Acme-EU' },
          after: null,
        });
        await store.insertAuditEvent(withActor);
        await store.insertAuditEvent(byOperator);
        assert.deepEqual(await store.listAuditEvents(T1), [withActor, byOperator]);
      });

      it('lists a tenant’s events newest first, then by id, filtered and limited', async (t) => {
        const store = await seeded(t);
        await store.insertAuditEvent(event(hex('1'), t0 + 1));
        await store.insertAuditEvent(event(hex('3'), t0 + 3, { resourceId: hex('9') }));
        await store.insertAuditEvent(event(hex('2'), t0 + 3));
        await store.insertAuditEvent(event(hex('4'), t0 + 2));
        await store.insertAuditEvent(event(hex('5'), t0 + 9, { tenantId: T2 }));
        const idsOf = (events: AuditEvent[]) => events.map((e) => e.id);
        assert.deepEqual(idsOf(await store.listAuditEvents(T1)), [hex('3'), hex('2'), hex('4'), hex('1')]);
        assert.deepEqual(idsOf(await store.listAuditEvents(T1, { limit: 2 })), [hex('3'), hex('2')]);
        assert.deepEqual(idsOf(await store.listAuditEvents(T1, { resourceId: hex('9') })), [hex('3')]);
        assert.deepEqual(idsOf(await store.listAuditEvents(T1, { resourceId: hex('1'), limit: 1 })), [
          hex('2'),
        ]);
        assert.deepEqual(idsOf(await store.listAuditEvents(T2)), [hex('5')]);
      });
    });

    describe('row locks', () => {
      it('answers what the reads answer: the tenant’s existence, its entities, a connection, a membership', async (t) => {
        const store = await seeded(t);
        const pending = connection(ids.global, ids.us, 'Pending');
        await store.insertConnection(pending);
        await store.insertUser(user(hex('5')));
        const membership = {
          userId: hex('5'),
          entityId: ids.us,
          role: 'Standard User',
          status: 'Active',
          updatedAt: t0,
        } as const;
        await store.upsertMembership(membership);
        await store.transaction(async (tx) => {
          assert.equal(await tx.lockTenant(T1, 'hierarchy'), true);
          assert.equal(await tx.lockTenant(T2, 'all'), true);
          assert.equal(await tx.lockTenant('404', 'all'), false);
          await tx.lockTenantCreation('404');
          assert.deepEqual(
            (await tx.lockEntities(T1, [ids.us, ids.otherGlobal, hex('9')])).map((e) => e.id),
            [ids.us],
          );
          assert.deepEqual(await tx.lockEntities(T1, []), []);
          assert.deepEqual(await tx.lockConnection(T1, pending.id), pending);
          assert.equal(await tx.lockConnection(T2, pending.id), undefined);
          assert.deepEqual(await tx.lockMembership(hex('5'), ids.us), membership);
          assert.equal(await tx.lockMembership(hex('5'), ids.eu), undefined);
        });
      });

      it('makes a second transaction locking a connection read what the first wrote', {
        timeout: 30_000,
      }, async (t) => {
        const store = await seeded(t);
        const pending = connection(ids.global, ids.us, 'Pending');
        await store.insertConnection(pending);
        let locked!: () => void;
        const firstHasLock = new Promise<void>((resolve) => {
          locked = resolve;
        });
        const first = store.transaction(async (tx) => {
          assert.equal((await tx.lockConnection(T1, pending.id))?.status, 'Pending');
          locked();
          await new Promise((resolve) => setTimeout(resolve, 100));
          await tx.updateConnectionStatus(T1, pending.id, 'Connected', t0 + 5);
        });
        await firstHasLock;
        const second = store.transaction(async (tx) => (await tx.lockConnection(T1, pending.id))?.status);
        await first;
        assert.equal(await second, 'Connected');
      });

      it('makes a second creation of one tenant find the first one’s', { timeout: 30_000 }, async (t) => {
        const store = await open(t);
        const create = () =>
          store.transaction(async (tx) => {
            await tx.lockTenantCreation(T1);
            if (await tx.findTenant(T1)) return false;
            await new Promise((resolve) => setTimeout(resolve, 50));
            await tx.insertTenant(tenant(T1));
            return true;
          });
        const outcomes = await Promise.all([create(), create()]);
        assert.deepEqual(outcomes.sort(), [false, true]);
      });
    });

    describe('transactions', () => {
      it('commits every write of a transaction and answers its value', async (t) => {
        const store = await open(t);
        const answer = await store.transaction(async (tx) => {
          await tx.insertTenant(tenant(T1));
          await tx.insertEntity(entity(ids.global, { name: 'Global', parentId: null }));
          assert.ok(await tx.findEntity(T1, ids.global), 'a transaction reads its own writes');
          return 42;
        });
        assert.equal(answer, 42);
        assert.ok(await store.findTenant(T1));
        assert.ok(await store.findEntity(T1, ids.global));
      });

      it('writes nothing when the transaction throws, and passes the error on', async (t) => {
        const store = await open(t);
        const failure = new Error('boom');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.insertTenant(tenant(T1));
            await tx.insertEntity(entity(ids.global, { name: 'Global', parentId: null }));
            await tx.insertIdempotencyClaim(claim());
            throw failure;
          }),
          (error) => error === failure,
        );
        assert.deepEqual(await store.listTenants(), []);
        assert.equal(await store.findEntity(T1, ids.global), undefined);
        assert.equal(await store.findIdempotencyRecord(T1, claim().clientId, 'key-1'), undefined);
      });

      it('writes nothing when a unique violation ends the transaction', async (t) => {
        const store = await seeded(t);
        await assertUniqueViolation(
          store.transaction(async (tx) => {
            await tx.insertEntity(entity(hex('1'), { name: 'New-One' }));
            await tx.updateEntity(T1, ids.eu, { displayName: 'Changed' });
            await tx.insertEntity(entity(hex('2'), { name: 'Acme-US' }));
          }),
        );
        assert.equal(await store.findEntity(T1, hex('1')), undefined);
        assert.equal((await store.findEntity(T1, ids.eu))?.displayName, entity(ids.eu).displayName);
      });

      it('keeps a committed transaction when a later one rolls back', async (t) => {
        const store = await open(t);
        await store.transaction((tx) => tx.insertTenant(tenant(T1)));
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.insertTenant(tenant(T2));
            throw new Error('later');
          }),
        );
        assert.deepEqual(
          (await store.listTenants()).map((x) => x.id),
          [T1],
        );
      });
    });

    describe('health', () => {
      it('answers ping with true while open and false after close; closing twice is harmless', async () => {
        const store = await database.openStore();
        assert.equal(await store.ping(), true);
        assert.equal(store.kind, database.name);
        await store.close();
        assert.equal(await store.ping(), false);
        await store.close();
      });
    });
  });
}
