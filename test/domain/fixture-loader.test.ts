import assert from 'node:assert/strict';
import { recordAudit } from '../../src/domain/audit.js';
import type { Clock } from '../../src/domain/clock.js';
import { createConnectionService } from '../../src/domain/connection-service.js';
import { loadFixture } from '../../src/domain/fixture-loader.js';
import { FixtureError, planFixture } from '../../src/domain/fixture-plan.js';
import { randomIds } from '../../src/domain/ids.js';
import type { Actor } from '../../src/domain/model.js';
import type { Store } from '../../src/domain/ports/index.js';
import { verifySecret } from '../../src/domain/secrets.js';
import { testDatabases } from '../helpers/databases.js';
import { acmeFixture } from '../helpers/fixtures.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

/** A clock the test moves by hand; kept here so these domain tests need no app wiring. */
function manualClock(start = Date.UTC(2026, 10, 30, 12)): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

const clientId = 'c0ffee00-0000-4000-8000-000000000001';
const clientSecret = 'readme-secret-0123456789';
const globalId = '8a808255557baba1015580e12fa5083a';

/** The README's "Fixture format" example, with its placeholders filled in. */
function readmeFixture() {
  return {
    tenants: [
      {
        id: '6398',
        name: 'Acme',
        apiVersion: '2024-05-20',
        entities: [
          {
            id: globalId,
            name: 'Global',
            displayName: 'Acme',
            locale: 'en_US',
            timezone: 'GMT',
            children: [
              {
                name: 'Acme-US',
                status: 'Provisioned',
                locale: 'en_US',
                timezone: 'America/Los_Angeles',
                children: [],
              },
            ],
          },
        ],
        users: [
          {
            username: 'admin@acme.test',
            homeEntity: 'Global',
            access: { Global: 'Administrator', 'Acme-US': 'Standard User' },
            clients: [{ clientId, clientSecret, entities: ['Global', 'Acme-US'] }],
          },
        ],
        connections: [{ source: 'Global', target: 'Acme-US', status: 'Connected' }],
      },
    ],
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests reach into the fixture to break one rule at a time
type Mutable = any;

/** A fixture with room to break every rule: a nested tree, an unprovisioned branch, users, clients. */
function richFixture(): Mutable {
  return {
    tenants: [
      {
        id: '6398',
        name: 'Acme',
        entities: [
          {
            name: 'Global',
            locale: 'en_US',
            timezone: 'GMT',
            children: [
              {
                name: 'Acme-US',
                locale: 'en_US',
                timezone: 'America/Los_Angeles',
                children: [{ name: 'Acme-US-West', locale: 'en_US', timezone: 'America/Los_Angeles' }],
              },
              { name: 'Acme-EU', locale: 'de_DE', timezone: 'Europe/Berlin' },
              { name: 'Acme-Lab', status: 'Unprovisioned', locale: 'en-US', timezone: 'UTC' },
            ],
          },
        ],
        users: [
          {
            username: 'admin@acme.test',
            homeEntity: 'Global',
            access: { Global: 'Administrator', 'Acme-US': 'Administrator' },
            clients: [{ clientId, clientSecret, entities: ['Global', 'Acme-US'] }],
          },
          { username: 'eu@acme.test', homeEntity: 'Acme-EU', status: 'Inactive' },
        ],
        connections: [
          { source: 'Global', target: 'Acme-US', status: 'Pending' },
          { source: 'Acme-US', target: 'Acme-EU', status: 'Connected' },
          { source: 'Acme-US', target: 'Acme-EU', status: 'Disconnected' },
        ],
      },
    ],
  };
}

function assertFixtureError(fixture: unknown, path: string, message?: RegExp) {
  assert.throws(
    () => planFixture(fixture),
    (error: unknown) => {
      assert.ok(error instanceof FixtureError, `expected a FixtureError, got ${String(error)}`);
      assert.equal(error.path, path);
      assert.ok(error.message.startsWith(`${path}: `), error.message);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

describe('planFixture accepts', () => {
  it("the README's example", () => {
    const [plan] = planFixture(readmeFixture());
    assert.ok(plan);
    assert.deepEqual(plan.tenant, { id: '6398', name: 'Acme', apiVersion: '2024-05-20' });
    assert.deepEqual(
      plan.entities.map((e) => [e.name, e.displayName, e.status, e.parentId === null]),
      [
        ['Global', 'Acme', 'Provisioned', true],
        ['Acme-US', 'Acme-US', 'Provisioned', false],
      ],
    );
    assert.equal(plan.entities[1]?.parentId, globalId);
    assert.equal(plan.connections[0]?.status, 'Connected');
  });

  it('the fixture most tests use', () => {
    assert.equal(planFixture(acmeFixture()).length, 2);
  });

  it('a fixture with only required fields, filling in the defaults', () => {
    const [plan] = planFixture({
      tenants: [{ name: 'Solo', entities: [{ name: 'Global', locale: 'en_US', timezone: 'UTC' }] }],
    });
    assert.match(plan?.tenant.id ?? '', /^\d+$/);
    assert.equal(plan?.tenant.apiVersion, '2024-05-20');
    assert.match(plan?.entities[0]?.id ?? '', /^[0-9a-f]{32}$/);
    assert.equal(plan?.entities[0]?.displayName, 'Solo', "the global entity's display name is the tenant's");
    assert.deepEqual(plan?.users, []);
    assert.deepEqual(plan?.connections, []);
  });

  it('an unprovisioned entity under an unprovisioned parent', () => {
    const fixture = richFixture();
    fixture.tenants[0].entities[0].children[2].children = [
      { name: 'Lab-Child', status: 'Unprovisioned', locale: 'en_US', timezone: 'UTC' },
    ];
    const [plan] = planFixture(fixture);
    assert.equal(plan?.entities.find((e) => e.name === 'Lab-Child')?.status, 'Unprovisioned');
  });

  it('upper-case ids, stored lower-case', () => {
    const fixture = readmeFixture();
    (fixture.tenants[0]?.entities[0] as Mutable).id = globalId.toUpperCase();
    assert.equal(planFixture(fixture)[0]?.entities[0]?.id, globalId);
  });

  it('a new Pending connection beside a Disconnected one on the same pair', () => {
    assert.equal(planFixture(richFixture())[0]?.connections.length, 3);
  });

  it('the same entity names and usernames in two tenants', () => {
    const fixture = readmeFixture();
    const second = structuredClone(fixture.tenants[0]) as Mutable;
    second.id = '7001';
    delete second.entities[0].id;
    second.users[0].clients[0].clientId = 'c0ffee00-0000-4000-8000-000000000002';
    fixture.tenants.push(second);
    assert.equal(planFixture(fixture).length, 2);
  });

  it('exactly 512 entities in a tenant', () => {
    const fixture = richFixture();
    fixture.tenants[0].entities[0].children = Array.from({ length: 511 }, (_, i) => ({
      name: `E${i}`,
      locale: 'en_US',
      timezone: 'UTC',
    }));
    fixture.tenants[0].users = [];
    fixture.tenants[0].connections = [];
    assert.equal(planFixture(fixture)[0]?.entities.length, 512);
  });
});

/** A chain of `depth` entities, each the only child of the one above. */
function chain(depth: number) {
  const root: { name: string; locale: string; timezone: string; children?: unknown[] } = {
    name: 'L1',
    locale: 'en_US',
    timezone: 'UTC',
  };
  let node = root;
  for (let level = 2; level <= depth; level++) {
    const child = { name: `L${level}`, locale: 'en_US', timezone: 'UTC' };
    node.children = [child];
    node = child;
  }
  return { tenants: [{ name: 'Deep', entities: [root] }] };
}

describe('planFixture bounds the hierarchy depth', { timeout: 30_000 }, () => {
  it('accepts a chain of 512 levels', () => {
    assert.equal(planFixture(chain(512))[0]?.entities.length, 512);
  });
  it('refuses 513 levels, naming the limit', () => {
    assert.throws(
      () => planFixture(chain(513)),
      (error: unknown) =>
        error instanceof FixtureError &&
        error.path === 'fixture.tenants[0].entities[0]' &&
        /at most 512 levels deep/.test(error.message),
    );
  });
  it('refuses 10,000 levels with the same error, without overflowing the stack', () => {
    assert.throws(() => planFixture(chain(10_000)), /at most 512 levels deep/);
  });
});

describe('planFixture rejects, naming the field', () => {
  const t = 'fixture.tenants[0]';
  const root = `${t}.entities[0]`;
  const cases: { title: string; path: string; message?: RegExp; change(f: Mutable): void }[] = [
    { title: 'a fixture that is not an object', path: 'fixture', change: () => {} },
    {
      title: 'an unknown top-level key',
      path: 'fixture.extra',
      message: /unknown field/,
      change: (f) => (f.extra = 1),
    },
    {
      title: 'a tenant without a name',
      path: `${t}.name`,
      message: /missing/,
      change: (f) => delete f.tenants[0].name,
    },
    {
      title: 'an apiVersion that is not a Zuora-Version',
      path: `${t}.apiVersion`,
      message: /'2024-02-30' is not a Zuora-Version/,
      change: (f) => (f.tenants[0].apiVersion = '2024-02-30'),
    },
    { title: 'an unknown tenant key', path: `${t}.colour`, change: (f) => (f.tenants[0].colour = 'red') },
    { title: 'a tenant id that is not digits', path: `${t}.id`, change: (f) => (f.tenants[0].id = 'acme') },
    {
      title: 'a root entity without a name',
      path: `${root}.name`,
      message: /missing/,
      change: (f) => delete f.tenants[0].entities[0].name,
    },
    {
      title: 'a nested entity without a name',
      path: `${root}.children[0].children[0].name`,
      message: /missing/,
      change: (f) => delete f.tenants[0].entities[0].children[0].children[0].name,
    },
    {
      title: 'an entity without a locale',
      path: `${root}.children[1].locale`,
      message: /missing/,
      change: (f) => delete f.tenants[0].entities[0].children[1].locale,
    },
    {
      title: 'an unknown key on a nested entity',
      path: `${root}.children[0].children[0].parent`,
      message: /unknown field/,
      change: (f) => (f.tenants[0].entities[0].children[0].children[0].parent = 'Acme-US'),
    },
    {
      title: 'an unknown key on a user',
      path: `${t}.users[0].password`,
      message: /unknown field/,
      change: (f) => (f.tenants[0].users[0].password = 'x'),
    },
    {
      title: 'an unknown key on a connection',
      path: `${t}.connections[0].kind`,
      message: /unknown field/,
      change: (f) => (f.tenants[0].connections[0].kind = 'x'),
    },
    {
      title: 'two root entities',
      path: `${t}.entities`,
      message: /exactly one root/,
      change: (f) => f.tenants[0].entities.push({ name: 'Second', locale: 'en_US', timezone: 'UTC' }),
    },
    {
      title: 'no root entity',
      path: `${t}.entities`,
      message: /exactly one root/,
      change: (f) => (f.tenants[0].entities = []),
    },
    {
      title: 'an Unprovisioned root',
      path: `${root}.status`,
      message: /always Provisioned/,
      change: (f) => (f.tenants[0].entities[0].status = 'Unprovisioned'),
    },
    {
      title: 'a provisioned child under an unprovisioned parent',
      path: `${root}.children[2].children[0].status`,
      message: /provisioned parent/,
      change: (f) =>
        (f.tenants[0].entities[0].children[2].children = [
          { name: 'Lab-Child', locale: 'en_US', timezone: 'UTC' },
        ]),
    },
    {
      title: 'an unknown entity status',
      path: `${root}.children[0].status`,
      message: /'Provisioned', 'Unprovisioned'/,
      change: (f) => (f.tenants[0].entities[0].children[0].status = 'Active'),
    },
    {
      title: 'a duplicate entity name',
      path: `${root}.children[1].name`,
      message: /duplicate entity name 'Acme-US-West'/,
      change: (f) => (f.tenants[0].entities[0].children[1].name = 'Acme-US-West'),
    },
    {
      title: 'an entity name the same as another but for case and width',
      path: `${root}.children[1].name`,
      message: /duplicate entity name 'ａｃｍｅ-us-west'/,
      change: (f) => (f.tenants[0].entities[0].children[1].name = 'ａｃｍｅ-us-west'),
    },
    {
      title: 'an entity name with a space at its end',
      path: `${root}.children[1].name`,
      message: /no space at either end/,
      change: (f) => (f.tenants[0].entities[0].children[1].name = 'Acme-EU '),
    },
    {
      title: 'an entity name with a forbidden character',
      path: `${root}.children[1].name`,
      change: (f) => (f.tenants[0].entities[0].children[1].name = 'Acme_EU'),
    },
    {
      title: 'a duplicate entity id',
      path: `${root}.children[1].id`,
      message: /duplicate entity id/,
      change: (f) => {
        f.tenants[0].entities[0].children[0].id = 'a'.repeat(32);
        f.tenants[0].entities[0].children[1].id = 'A'.repeat(32);
      },
    },
    {
      title: 'an entity id that is not 32 hex characters',
      path: `${root}.id`,
      change: (f) => (f.tenants[0].entities[0].id = 'xyz'),
    },
    {
      title: 'a bad locale',
      path: `${root}.children[1].locale`,
      message: /unknown locale 'xx_ZZZZ'/,
      change: (f) => (f.tenants[0].entities[0].children[1].locale = 'xx_ZZZZ'),
    },
    {
      title: 'a bad time zone',
      path: `${root}.children[0].children[0].timezone`,
      message: /unknown time zone 'Mars\/Olympus'/,
      change: (f) => (f.tenants[0].entities[0].children[0].children[0].timezone = 'Mars/Olympus'),
    },
    {
      title: 'a homeEntity naming an unknown entity',
      path: `${t}.users[1].homeEntity`,
      message: /no entity named 'Acme-UK' in this tenant/,
      change: (f) => (f.tenants[0].users[1].homeEntity = 'Acme-UK'),
    },
    {
      title: 'access naming an unknown entity',
      path: `${t}.users[0].access.Nowhere`,
      message: /no entity named 'Nowhere'/,
      change: (f) => (f.tenants[0].users[0].access.Nowhere = 'Administrator'),
    },
    {
      title: 'an unknown role',
      path: `${t}.users[0].access.Global`,
      message: /'Administrator', 'Standard User'/,
      change: (f) => (f.tenants[0].users[0].access.Global = 'Owner'),
    },
    {
      title: 'a duplicate username',
      path: `${t}.users[1].username`,
      message: /duplicate username/,
      change: (f) => (f.tenants[0].users[1].username = 'admin@acme.test'),
    },
    {
      title: 'a client entity the user cannot access',
      path: `${t}.users[0].clients[0].entities[2]`,
      message: /no access to 'Acme-EU'/,
      change: (f) => f.tenants[0].users[0].clients[0].entities.push('Acme-EU'),
    },
    {
      title: 'a client entity that does not exist',
      path: `${t}.users[0].clients[0].entities[0]`,
      message: /no entity named 'Atlantis'/,
      change: (f) => (f.tenants[0].users[0].clients[0].entities[0] = 'Atlantis'),
    },
    {
      title: 'a clientId of 35 characters',
      path: `${t}.users[0].clients[0].clientId`,
      change: (f) => (f.tenants[0].users[0].clients[0].clientId = 'x'.repeat(35)),
    },
    {
      title: 'a clientId of 37 characters',
      path: `${t}.users[0].clients[0].clientId`,
      change: (f) => (f.tenants[0].users[0].clients[0].clientId = 'x'.repeat(37)),
    },
    {
      title: 'a clientSecret of 15 characters',
      path: `${t}.users[0].clients[0].clientSecret`,
      message: /16/,
      change: (f) => (f.tenants[0].users[0].clients[0].clientSecret = 's'.repeat(15)),
    },
    {
      title: 'a clientSecret of 43 characters',
      path: `${t}.users[0].clients[0].clientSecret`,
      change: (f) => (f.tenants[0].users[0].clients[0].clientSecret = 's'.repeat(43)),
    },
    {
      title: 'a connection from an entity to itself',
      path: `${t}.connections[0].target`,
      message: /itself/,
      change: (f) => (f.tenants[0].connections[0].target = 'Global'),
    },
    {
      title: 'a connection to an unprovisioned entity',
      path: `${t}.connections[0].target`,
      message: /provisioned/,
      change: (f) => (f.tenants[0].connections[0].target = 'Acme-Lab'),
    },
    {
      title: 'a connection from an unprovisioned entity',
      path: `${t}.connections[0].source`,
      message: /provisioned/,
      change: (f) => (f.tenants[0].connections[0].source = 'Acme-Lab'),
    },
    {
      title: 'a connection naming an unknown entity',
      path: `${t}.connections[0].source`,
      message: /no entity named/,
      change: (f) => (f.tenants[0].connections[0].source = 'Nowhere'),
    },
    {
      title: 'an unknown connection status',
      path: `${t}.connections[0].status`,
      message: /'Pending', 'Connected', 'Disconnected'/,
      change: (f) => (f.tenants[0].connections[0].status = 'Denied'),
    },
    {
      title: 'two open connections on one ordered pair',
      path: `${t}.connections[3]`,
      message: /at most one Pending or Connected/,
      change: (f) =>
        f.tenants[0].connections.push({ source: 'Acme-US', target: 'Acme-EU', status: 'Pending' }),
    },
    {
      title: 'a duplicate connection id',
      path: `${t}.connections[1].id`,
      message: /duplicate connection id/,
      change: (f) => {
        f.tenants[0].connections[0].id = 'c'.repeat(32);
        f.tenants[0].connections[1].id = 'c'.repeat(32);
      },
    },
    {
      title: 'a duplicate tenant id',
      path: 'fixture.tenants[1].id',
      message: /duplicate tenant id/,
      change: (f) =>
        f.tenants.push({
          id: '6398',
          name: 'Copy',
          entities: [{ name: 'G', locale: 'en_US', timezone: 'UTC' }],
        }),
    },
    {
      title: 'two tenants whose names derive the same tenant id',
      path: 'fixture.tenants[1].id',
      message: /duplicate tenant id/,
      change: (f) => {
        delete f.tenants[0].id;
        f.tenants.push({ name: 'Acme', entities: [{ name: 'G', locale: 'en_US', timezone: 'UTC' }] });
      },
    },
    {
      title: 'a duplicate client id in another tenant',
      path: 'fixture.tenants[1].users[0].clients[0].clientId',
      message: /duplicate client id/,
      change: (f) =>
        f.tenants.push({
          id: '7001',
          name: 'Other',
          entities: [{ name: 'G', locale: 'en_US', timezone: 'UTC' }],
          users: [
            {
              username: 'o',
              homeEntity: 'G',
              clients: [{ clientId, clientSecret: 'x'.repeat(16), entities: ['G'] }],
            },
          ],
        }),
    },
    {
      title: 'the same entity id in two tenants',
      path: 'fixture.tenants[1].entities',
      message: /duplicate entity id/,
      change: (f) => {
        f.tenants[0].entities[0].id = globalId;
        f.tenants.push({
          id: '7001',
          name: 'Other',
          entities: [{ id: globalId, name: 'G', locale: 'en_US', timezone: 'UTC' }],
        });
      },
    },
    {
      title: 'more than 512 entities in a tenant',
      path: `${t}.entities`,
      message: /at most 512/,
      change: (f) => {
        f.tenants[0].entities[0].children = Array.from({ length: 512 }, (_, i) => ({
          name: `E${i}`,
          locale: 'en_US',
          timezone: 'UTC',
        }));
        f.tenants[0].users = [];
        f.tenants[0].connections = [];
      },
    },
  ];

  for (const { title, path, message, change } of cases) {
    it(title, () => {
      const fixture = title === 'a fixture that is not an object' ? [] : richFixture();
      change(fixture);
      assertFixtureError(fixture, path, message);
    });
  }
});

/** Everything a store holds that a fixture can write, read through the Store interface only. */
async function storeContents(store: Store) {
  const tenants = await store.listTenants();
  return Promise.all(
    tenants.map(async (tenant) => {
      const entities = await store.listEntities(tenant.id);
      const users = await store.listUsers(tenant.id);
      return {
        tenant,
        entities,
        users: await Promise.all(
          users.map(async (user) => ({
            user,
            memberships: (await store.listMemberships(user.id)).sort((a, b) =>
              a.entityId.localeCompare(b.entityId),
            ),
          })),
        ),
        clients: await store.listClients(tenant.id),
        connections: (
          await Promise.all(
            entities.map(
              async (e) =>
                (
                  await store.listConnections(tenant.id, e.id, 'outbound', { offset: 0, limit: 1000 })
                ).connections,
            ),
          )
        ).flat(),
        audit: await store.listAuditEvents(tenant.id, { limit: 1000 }),
      };
    }),
  );
}

for (const database of testDatabases) {
  describe(`loadFixture on ${database.name}`, () => {
    async function open(t: TestContext) {
      const store = await database.openStore();
      t.after(() => store.close());
      return store;
    }

    it("loads the README's example: every record, the secret stored as a hash that verifies", async (t) => {
      const store = await open(t);
      const clock = manualClock();
      await loadFixture(store, clock, readmeFixture());
      const [acme] = await storeContents(store);
      assert.deepEqual(acme?.tenant, {
        id: '6398',
        name: 'Acme',
        apiVersion: '2024-05-20',
        createdAt: clock.now(),
      });
      assert.deepEqual(
        acme?.entities.map((e) => [e.name, e.displayName, e.locale, e.timezone, e.status]),
        [
          ['Global', 'Acme', 'en_US', 'GMT', 'Provisioned'],
          ['Acme-US', 'Acme-US', 'en_US', 'America/Los_Angeles', 'Provisioned'],
        ],
      );
      const usId = acme?.entities[1]?.id;
      assert.equal(acme?.entities[1]?.parentId, globalId);
      assert.equal(acme?.users[0]?.user.homeEntityId, globalId);
      assert.deepEqual(
        acme?.users[0]?.memberships.map((m) => [m.entityId, m.role, m.status]).sort(),
        [
          [globalId, 'Administrator', 'Active'],
          [usId, 'Standard User', 'Active'],
        ].sort(),
      );
      const client = acme?.clients[0];
      assert.equal(client?.clientId, clientId);
      assert.deepEqual(client?.entityIds, [globalId, usId]);
      assert.ok(client && !client.secretHash.includes(clientSecret));
      assert.ok(client && verifySecret(clientSecret, client.secretHash));
      assert.deepEqual(
        acme?.connections.map((c) => [c.sourceEntityId, c.targetEntityId, c.status]),
        [[globalId, usId, 'Connected']],
      );
    });

    it('refuses a tenant whose client id is another tenant’s client, and loads nothing of it', async (t) => {
      const store = await open(t);
      await loadFixture(store, manualClock(), readmeFixture());
      const other = readmeFixture() as Mutable;
      other.tenants[0].id = '7001';
      other.tenants[0].name = 'Other';
      other.tenants[0].entities[0].id = 'b'.repeat(32);
      await assert.rejects(
        loadFixture(store, manualClock(), other),
        (error: unknown) =>
          error instanceof FixtureError &&
          error.message.includes(clientId) &&
          error.message.includes('6398') &&
          error.path === 'fixture.tenants[0]',
      );
      assert.equal(await store.findTenant('7001'), undefined);
      assert.equal((await store.findClient(clientId))?.tenantId, '6398');
      // The same file loaded again (a restart) finds its own client and goes on.
      await loadFixture(store, manualClock(), readmeFixture());
      assert.equal((await store.listTenants()).length, 1);
    });

    it('gives the home entity a Standard User membership when access names none', async (t) => {
      const store = await open(t);
      const fixture = readmeFixture();
      (fixture.tenants[0]?.users[0] as Mutable).access = { 'Acme-US': 'Administrator' };
      await loadFixture(store, manualClock(), fixture);
      const user = await store.findUserByUsername('6398', 'admin@acme.test');
      assert.equal((await store.findMembership(user?.id ?? '', globalId))?.role, 'Standard User');
    });

    it('derives the same ids on every load, into another database too', async (t) => {
      const first = await open(t);
      const second = await open(t);
      await loadFixture(first, manualClock(), richFixture());
      await loadFixture(second, manualClock(Date.UTC(2030, 0, 1)), richFixture());
      const ids = async (store: Store) => {
        const [c] = await storeContents(store);
        return {
          tenant: c?.tenant.id,
          entities: c?.entities.map((e) => [e.name, e.id, e.parentId]),
          users: c?.users.map((u) => [u.user.username, u.user.id]),
          connections: c?.connections.map((x) => x.id).sort(),
        };
      };
      assert.deepEqual(await ids(first), await ids(second));
      assert.deepEqual(planFixture(richFixture()), planFixture(richFixture()));
    });

    it('keeps derived connection ids when other connections are added before them', async (t) => {
      const before = planFixture(richFixture())[0]?.connections ?? [];
      const grown = richFixture();
      grown.tenants[0].connections.unshift({ source: 'Acme-EU', target: 'Global', status: 'Pending' });
      const after = planFixture(grown)[0]?.connections ?? [];
      assert.deepEqual(after.slice(1), before);
      assert.equal(new Set(after.map((c) => c.id)).size, after.length, 'two connections of one pair differ');
      const store = await open(t);
      await loadFixture(store, manualClock(), richFixture());
      await loadFixture(store, manualClock(), grown);
      const [contents] = await storeContents(store);
      assert.equal(contents?.connections.length, 4, 'only the added connection is new');
    });

    it('changes nothing when the same fixture is loaded twice', async (t) => {
      const store = await open(t);
      const clock = manualClock();
      await loadFixture(store, clock, richFixture());
      const before = await storeContents(store);
      clock.advance(60_000);
      await loadFixture(store, clock, richFixture());
      assert.deepEqual(await storeContents(store), before);
    });

    it('writes nothing when a fixture fails a rule', async (t) => {
      const store = await open(t);
      const fixture = richFixture();
      fixture.tenants[0].connections[0].target = 'Global';
      await assert.rejects(loadFixture(store, manualClock(), fixture), FixtureError);
      assert.deepEqual(await store.listTenants(), []);
    });

    it('leaves what the API changed since the first load as it is', async (t) => {
      const store = await open(t);
      const clock = manualClock();
      const deps = { clock, ids: randomIds };
      await loadFixture(store, clock, richFixture());
      const tenantId = '6398';
      const entity = async (name: string) => {
        const found = await store.findEntityByName(tenantId, name);
        assert.ok(found, name);
        return found;
      };
      const [global, us, eu, lab, west] = await Promise.all(
        ['Global', 'Acme-US', 'Acme-EU', 'Acme-Lab', 'Acme-US-West'].map(entity),
      );
      assert.ok(global && us && eu && lab && west);
      const admin = await store.findUserByUsername(tenantId, 'admin@acme.test');
      const euUser = await store.findUserByUsername(tenantId, 'eu@acme.test');
      assert.ok(admin && euUser);
      clock.advance(1000);

      // Connections through the service, as the API makes them.
      const connections = createConnectionService({ store, clock, ids: randomIds });
      const asGlobal: Actor = { tenantId, userId: admin.id, clientId, entityId: global.id };
      const asUs: Actor = { ...asGlobal, entityId: us.id };
      const pending = await store.findOpenConnection(tenantId, global.id, us.id);
      assert.equal(pending?.status, 'Pending');
      await connections.deny(asUs, pending?.id ?? '');
      const connected = await store.findOpenConnection(tenantId, us.id, eu.id);
      await connections.disconnect(asUs, connected?.id ?? '');

      // Entity, user and membership changes as the other services write them, with their audit records.
      await store.transaction(async (tx) => {
        await tx.updateEntity(tenantId, eu.id, { name: 'Acme-Europe', displayName: 'Europe' });
        await recordAudit(tx, deps, tenantId, asGlobal, {
          action: 'entity.update',
          resourceType: 'entity',
          resourceId: eu.id,
          before: eu,
          after: { ...eu, name: 'Acme-Europe' },
        });
        await tx.updateEntity(tenantId, lab.id, { status: 'Provisioned' });
        await tx.deleteEntities(tenantId, [west.id]);
        await recordAudit(tx, deps, tenantId, asGlobal, {
          action: 'entity.delete',
          resourceType: 'entity',
          resourceId: west.id,
          before: west,
          after: null,
        });
        await tx.setUserStatus(tenantId, euUser.id, 'Active');
        await tx.upsertMembership({
          userId: admin.id,
          entityId: us.id,
          role: 'Standard User',
          status: 'Access Denied',
          updatedAt: clock.now(),
        });
      });
      const before = await storeContents(store);
      assert.equal(before[0]?.connections.filter((c) => c.status !== 'Disconnected').length, 0);

      clock.advance(60_000);
      await loadFixture(store, clock, richFixture());
      assert.deepEqual(await storeContents(store), before);
    });

    it('adds what a changed fixture adds and keeps the rest', async (t) => {
      const store = await open(t);
      const clock = manualClock();
      await loadFixture(store, clock, richFixture());
      const before = await storeContents(store);
      const grown = richFixture();
      grown.tenants[0].entities[0].children.push({
        name: 'Acme-APAC',
        locale: 'ja_JP',
        timezone: 'Asia/Tokyo',
      });
      grown.tenants[0].users.push({ username: 'apac@acme.test', homeEntity: 'Acme-APAC' });
      clock.advance(1000);
      await loadFixture(store, clock, grown);
      const [after] = await storeContents(store);
      assert.deepEqual(
        after?.entities.filter((e) => e.name !== 'Acme-APAC'),
        before[0]?.entities,
      );
      assert.equal(after?.entities.find((e) => e.name === 'Acme-APAC')?.createdAt, clock.now());
      assert.equal(after?.users.length, 3);
    });
  });
}
