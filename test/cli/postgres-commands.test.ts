import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { systemClock } from '../../src/domain/clock.js';
import { loadFixture } from '../../src/domain/fixture-loader.js';
import type { Store } from '../../src/domain/ports/index.js';
import { createPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { createPostgresTestDatabase, postgresTestUrl } from '../helpers/databases.js';
import { acmeFixture, clients, ids } from '../helpers/fixtures.js';
import { before, describe, it, type TestContext } from '../helpers/node-test.js';
import { buildCli, runCli, startServer } from '../helpers/server-process.js';

const t0 = Date.UTC(2026, 10, 30, 12);

async function emptyPostgres(t: TestContext): Promise<string> {
  const database = await createPostgresTestDatabase({ empty: true });
  t.after(() => database.drop());
  return database.url;
}

/** A SQLite file with the Acme fixture and something of every other kind: a connection, a token, a key, an audit event. */
async function sqliteWithData(t: TestContext): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'multientity-copy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'multientity.db');
  const store = await createSqliteStore({ path: file });
  try {
    await loadFixture(store, systemClock, acmeFixture());
    await store.insertConnection({
      id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
      tenantId: ids.tenant,
      sourceEntityId: ids.global,
      targetEntityId: ids.us,
      status: 'Pending',
      createdAt: t0,
      updatedAt: t0,
    });
    await store.insertIdempotencyClaim({
      tenantId: ids.tenant,
      clientId: clients.globalAdmin.id,
      key: 'key-1',
      method: 'POST',
      url: '/v1/entity-connections',
      bodyHash: 'ab'.repeat(32),
      state: 'running',
      lockedUntil: t0 + 30_000,
      responseStatus: null,
      responseHeaders: null,
      responseBody: null,
      createdAt: t0,
      expiresAt: Date.now() + 3_600_000,
    });
    await store.completeIdempotencyKey(ids.tenant, clients.globalAdmin.id, 'key-1', t0, {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"success":true}',
    });
    await store.insertAuditEvent({
      id: 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0',
      tenantId: ids.tenant,
      at: t0,
      userId: null,
      clientId: clients.globalAdmin.id,
      entityId: ids.global,
      action: 'connection.request',
      resourceType: 'connection',
      resourceId: 'c0ffee00c0ffee00c0ffee00c0ffee00',
      before: null,
      after: { status: 'Pending' },
    });
  } finally {
    await store.close();
  }
  return file;
}

/** Everything a store answers for the Acme tenant, for comparing two databases. */
async function snapshot(store: Store) {
  const users = await store.listUsers(ids.tenant);
  return {
    tenants: await store.listTenants(),
    entities: await store.listEntities(ids.tenant),
    users,
    // listMemberships promises no order: compared as sets.
    memberships: await Promise.all(
      users.map(async (user) =>
        (await store.listMemberships(user.id)).sort((a, b) => a.entityId.localeCompare(b.entityId)),
      ),
    ),
    clients: await store.listClients(ids.tenant),
    connections: await store.listConnections(ids.tenant, ids.global, 'both', { offset: 0, limit: 300 }),
    idempotency: await store.findIdempotencyRecord(ids.tenant, clients.globalAdmin.id, 'key-1'),
    audit: await store.listAuditEvents(ids.tenant, { limit: 1000 }),
  };
}

async function withStore<T>(open: () => Promise<Store>, read: (store: Store) => Promise<T>): Promise<T> {
  const store = await open();
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

describe('postgres: multientity migrate and copy-sqlite-to-postgres', {
  skip: postgresTestUrl ? false : 'no PostgreSQL',
}, () => {
  before(() => buildCli());

  it('migrate brings an empty PostgreSQL database up to date and says so', async (t) => {
    const url = await emptyPostgres(t);
    const run = await runCli({ command: 'migrate', args: ['--db', url], timeoutMs: 30_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /database schema is up to date/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query("select to_regclass('public.entity_connections') as present");
      assert.equal(rows[0].present, 'entity_connections');
    } finally {
      await client.end();
    }
  });

  it('copies every row of a SQLite database into an empty PostgreSQL database, which then serves it', async (t) => {
    const file = await sqliteWithData(t);
    const url = await emptyPostgres(t);
    const run = await runCli({
      command: 'copy-sqlite-to-postgres',
      args: ['--from', file, '--to', url],
      timeoutMs: 60_000,
    });
    assert.equal(run.code, 0, run.stderr);
    // Acme's five entities and the other tenant's two.
    assert.match(run.stdout, /^entities: 7 rows$/m);
    assert.match(run.stdout, /^entity_connections: 1 rows$/m);

    const before = await withStore(() => createSqliteStore({ path: file }), snapshot);
    const after = await withStore(() => createPostgresStore({ url, poolSize: 1 }), snapshot);
    assert.deepEqual(after, before);

    // No fixture: the server serves what was copied, secrets included (only their hashes were).
    const server = await startServer({
      args: ['--db', url, '--port', '0', '--log-level', 'silent'],
      timeoutMs: 30_000,
      t,
    });
    const tokenResponse = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: clients.globalAdmin.id,
        client_secret: clients.globalAdmin.secret,
        grant_type: 'client_credentials',
      }),
    });
    assert.equal(tokenResponse.status, 200);
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const listed = await fetch(`${server.url}/v1/entity-connections`, {
      headers: { authorization: `Bearer ${token}`, 'zuora-entity-ids': ids.global },
    });
    assert.equal(listed.status, 200);
    const body = (await listed.json()) as { entityConnections: { id: string; status: string }[] };
    assert.deepEqual(
      body.entityConnections.map((c) => [c.id, c.status]),
      [['c0ffee00c0ffee00c0ffee00c0ffee00', 'Pending']],
    );
    await server.stop();
  });

  it('refuses to copy into a PostgreSQL database that already holds rows, and leaves it as it was', async (t) => {
    const file = await sqliteWithData(t);
    const url = await emptyPostgres(t);
    const first = await runCli({
      command: 'copy-sqlite-to-postgres',
      args: ['--from', file, '--to', url],
      timeoutMs: 60_000,
    });
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli({
      command: 'copy-sqlite-to-postgres',
      args: ['--from', file, '--to', url],
      timeoutMs: 60_000,
    });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /Cannot copy: the PostgreSQL database is not empty/);
    const entities = await withStore(
      () => createPostgresStore({ url, poolSize: 1 }),
      (store) => store.listEntities(ids.tenant),
    );
    assert.equal(entities.length, 5);
  });

  it('refuses a --from that is not an existing SQLite file, creating nothing', async (t) => {
    const url = await emptyPostgres(t);
    const run = await runCli({
      command: 'copy-sqlite-to-postgres',
      args: ['--from', join(tmpdir(), 'no-such-multientity.db'), '--to', url],
      timeoutMs: 30_000,
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Cannot copy: no SQLite database at /);
  });
});
