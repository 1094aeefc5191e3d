/**
 * Every operation × every kind of caller, one table (issue 3, "Permissions, checked everywhere").
 * (createToken takes client credentials, not a caller: test/http/oauth-token.test.ts covers it.)
 * Each cell prepares the state it needs in the real database, sends the request as that caller and
 * checks the status and the Zuora error category the caller sees. Callers of another tenant must
 * never see or change this tenant's data: their lists are checked to hold none of its ids.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/domain/ports/index.js';
import { hashToken } from '../../src/domain/secrets.js';
import { build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { acmeFixture, clients, ids } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';

type Caller =
  | 'globalAdmin'
  | 'entityAdmin'
  | 'otherEntityAdmin'
  | 'standardUser'
  | 'userWithoutAccess'
  | 'deactivatedUser'
  | 'expiredToken'
  | 'noToken'
  | 'otherTenant';

const CALLERS: Caller[] = [
  'globalAdmin',
  'entityAdmin',
  'otherEntityAdmin',
  'standardUser',
  'userWithoutAccess',
  'deactivatedUser',
  'expiredToken',
  'noToken',
  'otherTenant',
];

/** Whose token, acting in which entity. */
interface Identity {
  token: string | null;
  entityId: string | null;
}

interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  payload?: object;
}

/** A cell's expected answer: a status, and for errors the Zuora category (last two digits of the code). */
type Expected = { status: 200 } | { status: 400 | 401 | 403 | 404; category: number };

const OK: Expected = { status: 200 };
const FORBIDDEN: Expected = { status: 403, category: 10 };
const NOT_FOUND: Expected = { status: 404, category: 40 };
const UNAUTHENTICATED: Expected = { status: 401, category: 11 };
const RULE: Expected = { status: 400, category: 30 };

const leaver = { id: '88888888-8888-4888-8888-888888888888', secret: 'leaver-secret-0123' };
const newHire = 'new-hire@acme.test';

function matrixFixture() {
  const fixture = acmeFixture();
  const acme = fixture.tenants[0] as { users: unknown[] };
  acme.users.push(
    { username: newHire, homeEntity: 'Acme-US' },
    {
      username: 'leaver@acme.test',
      homeEntity: 'Global',
      access: { Global: 'Administrator', 'Acme-US': 'Administrator', 'Acme-EU': 'Administrator' },
      clients: [
        { clientId: leaver.id, clientSecret: leaver.secret, entities: ['Global', 'Acme-US', 'Acme-EU'] },
      ],
    },
  );
  return fixture;
}

interface Context {
  app: FastifyInstance;
  store: Store;
  tokens: Record<'globalAdmin' | 'usAdmin' | 'euAdmin' | 'standard' | 'leaver' | 'expired' | 'other', string>;
  /** A fresh unprovisioned entity under Global, made by the global admin. */
  newEntity(): Promise<string>;
  /** Puts a connection source→target in the given status, replacing any open one on that pair. */
  connection(source: string, target: string, status: 'Pending' | 'Connected'): Promise<string>;
  /** Sets new-hire's membership in an entity. */
  membership(entityId: string, status: 'Pending Review' | 'Active' | 'Access Denied' | null): Promise<void>;
}

/**
 * One operation's row of the matrix: how each caller is identified (who acts where), what the
 * request is, and what each caller gets (see `identify`).
 */
interface Row {
  operationId: string;
  /** The entity the operation's rightful caller acts in. */
  actingEntity: string;
  /**
   * Admin of the acting entity who is not a global admin, an admin of another entity, and a
   * standard user. Left out: US's admin in US, EU's admin in EU, the clerk in US.
   */
  entityAdmin?: (c: Context) => Identity;
  otherEntityAdmin?: (c: Context) => Identity;
  standardUser?: (c: Context) => Identity;
  prepare?: (c: Context, caller: Caller) => Promise<Request | undefined>;
  request: Request | ((c: Context, caller: Caller) => Promise<Request>);
  expected: Partial<Record<Caller, Expected>>;
}

const acmeIds = new Set<string>([ids.global, ids.us, ids.eu, ids.apac, ids.lab]);

const rows: Row[] = [
  // Entities: changes by a global administrator; reads by any entity user.
  {
    operationId: 'POST_Entities',
    actingEntity: ids.global,
    standardUser: (c) => ({ token: c.tokens.standard, entityId: ids.global }),
    request: async (_c, caller) => ({
      method: 'POST',
      url: '/v1/entities',
      payload: { name: `New-${caller}`, parentId: ids.global, locale: 'en_US', timezone: 'UTC' },
    }),
    expected: {
      globalAdmin: OK,
      entityAdmin: FORBIDDEN,
      otherEntityAdmin: FORBIDDEN,
      standardUser: FORBIDDEN,
      // Acme's global entity is no parent the other tenant can name.
      otherTenant: NOT_FOUND,
    },
  },
  {
    operationId: 'GET_Entities',
    actingEntity: ids.global,
    request: { method: 'GET', url: '/v1/entities' },
    expected: { globalAdmin: OK, entityAdmin: OK, otherEntityAdmin: OK, standardUser: OK, otherTenant: OK },
  },
  {
    operationId: 'GET_EntityById',
    actingEntity: ids.global,
    request: { method: 'GET', url: `/v1/entities/${ids.us}` },
    expected: {
      globalAdmin: OK,
      entityAdmin: OK,
      otherEntityAdmin: OK,
      standardUser: OK,
      otherTenant: NOT_FOUND,
    },
  },
  {
    operationId: 'PUT_Entities',
    actingEntity: ids.global,
    request: { method: 'PUT', url: `/v1/entities/${ids.us}`, payload: { displayName: 'Acme United States' } },
    expected: {
      globalAdmin: OK,
      entityAdmin: FORBIDDEN,
      otherEntityAdmin: FORBIDDEN,
      standardUser: FORBIDDEN,
      otherTenant: NOT_FOUND,
    },
  },
  {
    operationId: 'PUT_ProvisionEntity',
    actingEntity: ids.global,
    request: async (c) => ({ method: 'PUT', url: `/v1/entities/${await c.newEntity()}/provision` }),
    expected: {
      globalAdmin: OK,
      entityAdmin: FORBIDDEN,
      otherEntityAdmin: FORBIDDEN,
      standardUser: FORBIDDEN,
      otherTenant: NOT_FOUND,
    },
  },
  {
    operationId: 'DELETE_Entities',
    actingEntity: ids.global,
    request: async (c) => ({ method: 'DELETE', url: `/v1/entities/${await c.newEntity()}` }),
    expected: {
      globalAdmin: OK,
      entityAdmin: FORBIDDEN,
      otherEntityAdmin: FORBIDDEN,
      standardUser: FORBIDDEN,
      otherTenant: NOT_FOUND,
    },
  },
  // Entity connections: the source's admin asks; the target's admin accepts or denies; either disconnects.
  {
    operationId: 'GET_EntityConnections',
    actingEntity: ids.global,
    prepare: async (c) => {
      await c.connection(ids.global, ids.us, 'Connected');
      return undefined;
    },
    request: { method: 'GET', url: '/v1/entity-connections' },
    expected: { globalAdmin: OK, entityAdmin: OK, otherEntityAdmin: OK, standardUser: OK, otherTenant: OK },
  },
  {
    operationId: 'POST_EntityConnections',
    actingEntity: ids.global,
    // US's admin may ask US→EU: EU is accessible to them (Standard User there).
    request: async (_c, caller) => {
      const target = caller === 'entityAdmin' ? ids.eu : caller === 'otherEntityAdmin' ? ids.us : ids.apac;
      return { method: 'POST', url: '/v1/entity-connections', payload: { targetEntityId: target } };
    },
    expected: {
      globalAdmin: OK,
      entityAdmin: OK,
      // EU's admin cannot access US: the target is not theirs to connect to.
      otherEntityAdmin: FORBIDDEN,
      standardUser: FORBIDDEN,
      otherTenant: NOT_FOUND,
    },
  },
  ...(['accept', 'deny'] as const).map(
    (action): Row => ({
      operationId: action === 'accept' ? 'PUT_EntityConnectionsAccept' : 'PUT_EntityConnectionsDeny',
      // The target's admin acts in the target.
      actingEntity: ids.us,
      request: async (c) => ({
        method: 'PUT',
        url: `/v1/entity-connections/${await c.connection(ids.global, ids.us, 'Pending')}/${action}`,
      }),
      expected: {
        globalAdmin: OK,
        entityAdmin: OK,
        // The connection joins Global and US: for EU it does not exist.
        otherEntityAdmin: NOT_FOUND,
        standardUser: FORBIDDEN,
        otherTenant: NOT_FOUND,
      },
    }),
  ),
  {
    operationId: 'PUT_EntityConnectionsDisconnect',
    actingEntity: ids.global,
    // Either side's admin: US's admin disconnects from the target side.
    request: async (c) => ({
      method: 'PUT',
      url: `/v1/entity-connections/${await c.connection(ids.global, ids.us, 'Connected')}/disconnect`,
    }),
    expected: {
      globalAdmin: OK,
      entityAdmin: OK,
      otherEntityAdmin: NOT_FOUND,
      standardUser: FORBIDDEN,
      otherTenant: NOT_FOUND,
    },
  },
  // User access: new-hire's home is US; access to EU is asked by US's admin and decided by EU's.
  {
    operationId: 'PUT_SendUserAccessRequests',
    actingEntity: ids.us,
    request: async (c) => {
      await c.membership(ids.eu, null);
      return {
        method: 'PUT',
        url: `/v1/users/${newHire}/request-access`,
        payload: { targetEntityIds: [ids.eu] },
      };
    },
    expected: {
      globalAdmin: OK,
      entityAdmin: OK,
      // EU's admin does not administer new-hire's home entity.
      otherEntityAdmin: FORBIDDEN,
      standardUser: FORBIDDEN,
      otherTenant: NOT_FOUND,
    },
  },
  ...(['accept', 'deny'] as const).map(
    (action): Row => ({
      operationId: action === 'accept' ? 'PUT_AcceptUserAccess' : 'PUT_DenyUserAccess',
      actingEntity: ids.eu,
      entityAdmin: (c) => ({ token: c.tokens.euAdmin, entityId: ids.eu }),
      // US's admin acting in US: US is new-hire's home, whose access is not granted or denied.
      otherEntityAdmin: (c) => ({ token: c.tokens.usAdmin, entityId: ids.us }),
      standardUser: (c) => ({ token: c.tokens.usAdmin, entityId: ids.eu }),
      request: async (c) => {
        await c.membership(ids.eu, 'Pending Review');
        return { method: 'PUT', url: `/v1/users/${newHire}/${action}-access` };
      },
      expected: {
        globalAdmin: OK,
        entityAdmin: OK,
        otherEntityAdmin: RULE,
        // US's admin is a Standard User in EU.
        standardUser: FORBIDDEN,
        otherTenant: NOT_FOUND,
      },
    }),
  ),
  {
    operationId: 'GET_EntitiesUserAccessible',
    actingEntity: ids.us,
    request: { method: 'GET', url: `/v1/users/${newHire}/accessible-entities` },
    expected: {
      globalAdmin: OK,
      entityAdmin: OK,
      otherEntityAdmin: OK,
      standardUser: OK,
      otherTenant: NOT_FOUND,
    },
  },
];

/** The answers every row shares for the callers that fail before any rule of the operation. */
const COMMON: Partial<Record<Caller, Expected>> = {
  // The clerk's token does not cover EU: naming it is outside the token's scope.
  userWithoutAccess: FORBIDDEN,
  deactivatedUser: UNAUTHENTICATED,
  expiredToken: UNAUTHENTICATED,
  noToken: UNAUTHENTICATED,
};

function identify(row: Row, c: Context, caller: Caller): Identity {
  switch (caller) {
    case 'globalAdmin':
      return { token: c.tokens.globalAdmin, entityId: row.actingEntity };
    case 'entityAdmin':
      return row.entityAdmin?.(c) ?? { token: c.tokens.usAdmin, entityId: ids.us };
    case 'otherEntityAdmin':
      return row.otherEntityAdmin?.(c) ?? { token: c.tokens.euAdmin, entityId: ids.eu };
    case 'standardUser':
      return row.standardUser?.(c) ?? { token: c.tokens.standard, entityId: ids.us };
    case 'userWithoutAccess':
      return { token: c.tokens.standard, entityId: ids.eu };
    case 'deactivatedUser':
      return { token: c.tokens.leaver, entityId: ids.global };
    case 'expiredToken':
      return { token: c.tokens.expired, entityId: ids.global };
    case 'noToken':
      return { token: null, entityId: row.actingEntity };
    case 'otherTenant':
      return { token: c.tokens.other, entityId: ids.otherGlobal };
  }
}

async function setup(
  t: Parameters<typeof build>[0],
  database: (typeof testDatabases)[number],
): Promise<Context> {
  const { app, store } = await build(t, { database, fixture: matrixFixture() });
  const tokens = {
    globalAdmin: await tokenFor(app, clients.globalAdmin),
    usAdmin: await tokenFor(app, clients.usAdmin),
    euAdmin: await tokenFor(app, clients.euAdmin),
    standard: await tokenFor(app, clients.standard),
    leaver: await tokenFor(app, leaver),
    other: await tokenFor(app, clients.otherTenantAdmin),
    expired: 'a-token-that-expired-an-hour-ago',
  };
  // The leaver's token was valid; the user is deactivated after it was issued.
  const leaverUser = await store.findUserByUsername(ids.tenant, 'leaver@acme.test');
  assert.ok(leaverUser);
  await store.setUserStatus(ids.tenant, leaverUser.id, 'Inactive');
  // An expired token is a stored token whose hour is over.
  const globalAdminToken = (await store.findBearer(hashToken(tokens.globalAdmin)))?.token;
  assert.ok(globalAdminToken);
  await store.insertToken({
    ...globalAdminToken,
    tokenHash: hashToken(tokens.expired),
    jti: 'f'.repeat(32),
    issuedAt: Date.now() - 2 * 3600_000,
    expiresAt: Date.now() - 3600_000,
  });
  const newHireUser = await store.findUserByUsername(ids.tenant, newHire);
  assert.ok(newHireUser);
  let counter = 0;

  return {
    app,
    store,
    tokens,
    async newEntity() {
      counter += 1;
      const response = await app.inject({
        method: 'POST',
        url: '/v1/entities',
        headers: { authorization: `Bearer ${tokens.globalAdmin}`, 'zuora-entity-ids': ids.global },
        payload: { name: `Matrix-${counter}`, parentId: ids.global, locale: 'en_US', timezone: 'UTC' },
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().id;
    },
    async connection(source, target, status) {
      const open = await store.findOpenConnection(ids.tenant, source, target);
      if (open) await store.deleteConnection(ids.tenant, open.id);
      counter += 1;
      const id = counter.toString(16).padStart(32, 'c');
      await store.insertConnection({
        id,
        tenantId: ids.tenant,
        sourceEntityId: source,
        targetEntityId: target,
        status,
        createdAt: Date.now(),
        updatedAt: Date.now(),
      });
      return id;
    },
    async membership(entityId, status) {
      await store.upsertMembership({
        userId: newHireUser.id,
        entityId,
        role: 'Standard User',
        // "No membership" is stored as Access Denied: it grants nothing, and a new request may follow.
        status: status ?? 'Access Denied',
        updatedAt: Date.now(),
      });
    },
  };
}

for (const database of testDatabases) {
  describe(`${database.name}: every operation × every kind of caller`, () => {
    it('answers each cell of the permission matrix as the table says', async (t) => {
      const c = await setup(t, database);
      const failures: string[] = [];
      for (const row of rows) {
        for (const caller of CALLERS) {
          const expected = row.expected[caller] ?? COMMON[caller];
          assert.ok(expected, `${row.operationId} × ${caller} has no defined answer`);
          // Start each cell from the same state for the pairs the connection rows use.
          for (const [source, target] of [
            [ids.global, ids.apac],
            [ids.us, ids.eu],
          ] as const) {
            const open = await c.store.findOpenConnection(ids.tenant, source, target);
            if (open) await c.store.deleteConnection(ids.tenant, open.id);
          }
          await row.prepare?.(c, caller);
          const request = typeof row.request === 'function' ? await row.request(c, caller) : row.request;
          const identity = identify(row, c, caller);
          const headers: Record<string, string> = {};
          if (identity.token) headers.authorization = `Bearer ${identity.token}`;
          if (identity.entityId) headers['zuora-entity-ids'] = identity.entityId;
          const response = await c.app.inject({ ...request, headers });
          const body = response.json();
          const cell = `${row.operationId} × ${caller}`;
          if (response.statusCode !== expected.status) {
            failures.push(
              `${cell}: expected ${expected.status}, got ${response.statusCode} ${response.body}`,
            );
            continue;
          }
          if ('category' in expected) {
            const code = body.reasons?.[0]?.code as number | undefined;
            if (code === undefined || code % 100 !== expected.category) {
              failures.push(`${cell}: expected category ${expected.category}, got ${response.body}`);
            }
            if (expected.status === 401 && response.headers['www-authenticate'] === undefined) {
              failures.push(`${cell}: a 401 without WWW-Authenticate`);
            }
          } else if (caller === 'otherTenant') {
            // Another tenant's caller may succeed only on its own data: nothing of Acme's shows.
            const text = response.body;
            for (const id of acmeIds) if (text.includes(id)) failures.push(`${cell}: shows Acme's ${id}`);
          }
        }
      }
      assert.deepEqual(failures, []);
    });
  });
}
