import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { AppError } from '../../src/domain/errors.js';
import type { Entity } from '../../src/domain/model.js';
import { type Store, UniqueViolation } from '../../src/domain/ports/index.js';
import { createPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { build } from '../helpers/build.js';
import { createPostgresTestDatabase, postgresTestUrl } from '../helpers/databases.js';
import { ids } from '../helpers/fixtures.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

/** What only the PostgreSQL side has to prove: concurrency between processes and a database that goes away. */

const t0 = Date.UTC(2026, 10, 30, 12);
const hex = (n: number) => n.toString(16).padStart(32, '0');

async function freshDatabase(t: TestContext, options: { empty?: boolean } = {}) {
  const database = await createPostgresTestDatabase(options);
  t.after(() => database.drop());
  return database;
}

async function openStore(t: TestContext, url: string, poolSize = 4): Promise<Store> {
  const store = await createPostgresStore({ url, poolSize });
  t.after(() => store.close());
  return store;
}

async function rawQuery(url: string, statement: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(statement);
  } finally {
    await client.end();
  }
}

function entity(n: number): Entity {
  return {
    id: hex(n),
    tenantId: '6398',
    name: `E-${n}`,
    displayName: `E-${n}`,
    locale: 'en_US',
    timezone: 'UTC',
    status: 'Unprovisioned',
    parentId: hex(1),
    createdAt: t0 + n,
  };
}

/**
 * A TCP relay between the app and PostgreSQL that the test can cut and restore, so that the
 * database "goes away" for this app alone without stopping the server other tests share.
 */
async function relayTo(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const up = async () => {
    server = createServer((client) => {
      const upstream = netConnect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  };
  const down = async () => {
    const closed = server ? once(server, 'close') : Promise.resolve();
    server?.close();
    for (const socket of sockets) socket.destroy();
    await closed;
    server = undefined;
  };
  await up();
  return { port: () => port, up, down };
}

describe('postgres: the store across processes', { skip: postgresTestUrl ? false : 'no PostgreSQL' }, () => {
  it('brings an empty database up to date when three stores open it at once', async (t) => {
    const { url } = await freshDatabase(t, { empty: true });
    const stores = await Promise.all([1, 2, 3].map(() => createPostgresStore({ url, poolSize: 2 })));
    t.after(() => Promise.all(stores.map((store) => store.close())));
    const { rows } = await rawQuery(url, 'select name from kysely_migration order by name');
    assert.ok(rows.length >= 1);
    assert.equal(new Set(rows.map((row) => row.name)).size, rows.length, 'each migration ran once');
    for (const store of stores) assert.equal(await store.ping(), true);
  });

  it('commits only as many inserts as a counted limit allows when transactions race for the last places, refusing the rest by the limit', async (t) => {
    const { url } = await freshDatabase(t);
    const setup = await openStore(t, url);
    await setup.insertTenant({ id: '6398', name: 'Acme', apiVersion: '2024-05-20', createdAt: t0 });
    await setup.insertEntity({ ...entity(1), parentId: null, status: 'Provisioned' });
    // Separate stores: separate pools, as separate instances would have.
    const instances = await Promise.all([1, 2, 3, 4].map(() => openStore(t, url, 2)));
    const limit = 3;
    const outcomes = await Promise.allSettled(
      instances.map((store, i) =>
        store.transaction(async (tx) => {
          // The count of the entity service: the tenant's row locked, then counted.
          assert.equal(await tx.lockTenant('6398', 'hierarchy'), true);
          if ((await tx.listEntities('6398')).length >= limit) throw new AppError('ENTITY_LIMIT_REACHED');
          await tx.insertEntity(entity(10 + i));
        }),
      ),
    );
    const committed = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    assert.equal(committed, limit - 1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        assert.ok(outcome.reason instanceof AppError);
        assert.equal(outcome.reason.code, 'ENTITY_LIMIT_REACHED');
      }
    }
    assert.equal((await setup.listEntities('6398')).length, limit);
  });

  it('names a violated unique key the way the SQLite side does, so the domain tells them apart alike', async (t) => {
    const { url } = await freshDatabase(t);
    const postgres = await openStore(t, url);
    const sqlite = await createSqliteStore({ path: ':memory:' });
    t.after(() => sqlite.close());
    const violations: string[][] = [];
    for (const store of [sqlite, postgres]) {
      await store.insertTenant({ id: '6398', name: 'Acme', apiVersion: '2024-05-20', createdAt: t0 });
      await store.insertEntity({ ...entity(1), parentId: null });
      const seen: string[] = [];
      for (const write of [
        () => store.insertEntity({ ...entity(2), name: 'E-1' }),
        () => store.insertTenant({ id: '6398', name: 'Again', apiVersion: '2024-05-20', createdAt: t0 }),
      ]) {
        await assert.rejects(write(), (error: unknown) => {
          assert.ok(error instanceof UniqueViolation);
          // A name taken exactly breaks both (tenant_id, name) and (tenant_id, name_key); each
          // database reports the one it checks first.
          seen.push(error.constraint.replace('entities.name_key', 'entities.name'));
          return true;
        });
      }
      violations.push(seen);
    }
    assert.deepEqual(violations[1], violations[0]);
    assert.deepEqual(violations[0], ['entities.tenant_id, entities.name', 'tenants.id']);
  });

  it('answers LOCK_CONTENTION (409, category 50) for a deadlock, without running the transaction again', async (t) => {
    const { url } = await freshDatabase(t);
    // Every insert into tenants fails as a deadlock would, raised by PostgreSQL itself.
    await rawQuery(
      url,
      `create function always_conflict() returns trigger language plpgsql as $$
       begin raise exception 'deadlock detected' using errcode = '40P01'; end $$;
       create trigger tenants_conflict before insert on tenants for each row execute function always_conflict();`,
    );
    const store = await openStore(t, url);
    let runs = 0;
    await assert.rejects(
      store.transaction(async (tx) => {
        runs++;
        await tx.insertTenant({ id: '6398', name: 'Acme', apiVersion: '2024-05-20', createdAt: t0 });
      }),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'LOCK_CONTENTION' &&
        error.spec.status === 409 &&
        error.spec.category === 50,
    );
    assert.equal(runs, 1);
    assert.equal(await store.findTenant('6398'), undefined);
  });

  it('does not store a LOCK_CONTENTION answer under its Idempotency-Key: the retry runs again', async (t) => {
    const { url } = await freshDatabase(t);
    const { app } = await build(t, {
      database: { name: 'postgres', openStore: () => createPostgresStore({ url, poolSize: 2 }) },
    });
    const tokenResponse = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        client_id: '11111111-1111-4111-8111-111111111111',
        client_secret: 'global-admin-secret-0123456789abcdefghij',
        grant_type: 'client_credentials',
      },
    });
    const headers = {
      authorization: `Bearer ${tokenResponse.json().access_token}`,
      'zuora-entity-ids': ids.global,
      'idempotency-key': 'contended-1',
    };
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers,
        payload: { targetEntityId: ids.us },
      });
    await rawQuery(
      url,
      `create function always_conflict() returns trigger language plpgsql as $$
       begin raise exception 'could not serialize access' using errcode = '40001'; end $$;
       create trigger connections_conflict before insert on entity_connections
         for each row execute function always_conflict();`,
    );
    const contended = await post();
    assert.equal(contended.statusCode, 409);
    assert.equal(contended.json().reasons[0].code % 100, 50);
    await rawQuery(url, 'drop trigger connections_conflict on entity_connections');
    const retried = await post();
    assert.equal(retried.statusCode, 200, retried.body);
    assert.equal(retried.headers['idempotent-replayed'], undefined);
    const replayed = await post();
    assert.equal(replayed.headers['idempotent-replayed'], 'true');
    assert.equal(replayed.json().id, retried.json().id);
  });

  it('answers 503 with category 61 while the database is unreachable and serves again once it is back', async (t) => {
    const { url } = await freshDatabase(t);
    const relay = await relayTo(new URL(url));
    t.after(() => relay.down());
    const relayed = new URL(url);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(relay.port());
    const { app } = await build(t, {
      database: {
        name: 'postgres',
        openStore: () => createPostgresStore({ url: relayed.toString(), poolSize: 2 }),
      },
    });
    const token = async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          client_id: '11111111-1111-4111-8111-111111111111',
          client_secret: 'global-admin-secret-0123456789abcdefghij',
          grant_type: 'client_credentials',
        }).toString(),
      });
      return res;
    };
    const first = await token();
    assert.equal(first.statusCode, 200);
    const accessToken = first.json().access_token as string;
    const list = () =>
      app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: { authorization: `Bearer ${accessToken}`, 'zuora-entity-ids': ids.global },
      });
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).json().database, 'up');

    await relay.down();
    // /health stays 200 (the process is alive) and reports the database; /ready takes it out of rotation.
    const health = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().database, 'down');
    assert.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 503);
    const listed = await list();
    assert.equal(listed.statusCode, 503);
    const body = listed.json();
    assert.equal(body.success, false);
    assert.equal(body.reasons[0].code % 100, 61);
    assert.equal((await token()).statusCode, 503);

    await relay.up();
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).json().database, 'up');
    assert.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
    const again = await list();
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().success, true);
  });
});
