// The thin comparator of `npm run bench` (bench/comparator.ts) answers what multientity answers for
// the benchmark's requests, on the same seeded database, so that the CPU it spends is that of the
// same work. Each side's writes are read back by the other: a token one issued is accepted by the
// other, and a key one stored is replayed by the other.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildComparator } from '../../bench/comparator.js';
import { credentials, entityId, READ_TENANT, setUpMain, WRITE_TENANT } from '../../bench/setup.js';
import { loadConfig } from '../../src/config.js';
import type { Store } from '../../src/domain/ports/index.js';
import { buildApp } from '../../src/http/app.js';
import { createServices } from '../../src/services.js';
import { createPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { createPostgresTestDatabase, postgresTestUrl } from '../helpers/databases.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

interface Side {
  name: string;
  app: FastifyInstance;
}

const form = (c: { clientId: string; clientSecret: string }) =>
  `client_id=${c.clientId}&client_secret=${c.clientSecret}&grant_type=client_credentials`;

async function token(side: Side, client: { clientId: string; clientSecret: string }) {
  const res = await side.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form(client),
  });
  assert.equal(res.statusCode, 200, `${side.name}: ${res.body}`);
  return res.json() as { access_token: string; token_type: string; expires_in: number; scope: string };
}

const get = (side: Side, url: string, bearer: string, entity: string) =>
  side.app.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${bearer}`, 'zuora-entity-ids': entity },
  });

const post = (side: Side, bearer: string, source: number, target: number, key: string) =>
  side.app.inject({
    method: 'POST',
    url: '/v1/entity-connections',
    headers: {
      authorization: `Bearer ${bearer}`,
      'zuora-entity-ids': entityId(WRITE_TENANT, source),
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    payload: JSON.stringify({ targetEntityId: entityId(WRITE_TENANT, target) }),
  });

/** multientity and the comparator on one database, seeded as the benchmark seeds it. */
async function sides(t: TestContext, db: string, open: () => Promise<Store>) {
  const seed = await open();
  await setUpMain(seed, 2, 1);
  await seed.close();
  const store = await open();
  const config = loadConfig({}, { db });
  const multientity = await buildApp({ services: createServices({ store, config }), config });
  const comparator = await buildComparator({ db, poolSize: 2 });
  t.after(async () => {
    await multientity.close();
    await store.close();
    await comparator.close();
  });
  return [
    { name: 'multientity', app: multientity },
    { name: 'comparator', app: comparator },
  ] as const;
}

type Query = (sql: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

async function checkSameAnswers(t: TestContext, db: string, open: () => Promise<Store>, query: Query) {
  const [me, thin] = await sides(t, db, open);

  // The token request: the same scope, and each side's token accepted by the other.
  const issued = { me: await token(me, credentials.read), thin: await token(thin, credentials.read) };
  const { access_token: _a, jti: _j, ...meRest } = issued.me as typeof issued.me & { jti: string };
  const { access_token: _b, jti: _k, ...thinRest } = issued.thin as typeof issued.thin & { jti: string };
  assert.deepEqual(thinRest, meRest);
  assert.match(issued.thin.access_token, /^[0-9a-f]{32}$/);

  // The page of 30 connections, a page of 10 with its next page, and the entities: the same bodies.
  const global = entityId(READ_TENANT, 0);
  for (const url of [
    '/v1/entity-connections?pageSize=30',
    '/v1/entity-connections?pageSize=10&page=2',
    '/v1/entities',
  ]) {
    const fromMe = await get(me, url, issued.thin.access_token, global);
    const fromThin = await get(thin, url, issued.me.access_token, global);
    assert.equal(fromMe.statusCode, 200, fromMe.body);
    assert.equal(fromThin.statusCode, 200, fromThin.body);
    assert.deepEqual(fromThin.json(), fromMe.json(), url);
  }
  const page = (
    await get(me, '/v1/entity-connections?pageSize=30', issued.me.access_token, global)
  ).json() as {
    entityConnections: unknown[];
  };
  assert.equal(page.entityConnections.length, 30);

  // A fresh-key POST on each side, on two pairs: the same rows written, and each side replays the
  // other's stored response.
  const writer = { me: (await token(me, credentials.write(0))).access_token };
  const created = {
    me: await post(me, writer.me, 1, 2, 'key-me'),
    thin: await post(thin, writer.me, 1, 3, 'key-thin'),
  };
  for (const [name, res] of Object.entries(created)) {
    assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  }
  const ids = {
    me: (created.me.json() as { id: string }).id,
    thin: (created.thin.json() as { id: string }).id,
  };
  assert.deepEqual(created.thin.json(), { id: ids.thin, success: true });

  const connection = async (id: string) => {
    const [row] = await query(
      'select tenant_id, source_entity_id, status, created_at = updated_at as same_times from entity_connections where id = $1',
      [id],
    );
    return { ...row, same_times: Boolean(row?.same_times) };
  };
  assert.deepEqual(await connection(ids.thin), await connection(ids.me));
  const audit = async (id: string) => {
    const [row] = await query(
      'select tenant_id, user_id, client_id, entity_id, action, resource_type, before, after from audit_events where resource_id = $1',
      [id],
    );
    assert.ok(row, `an audit event for ${id}`);
    const after = JSON.parse(String(row.after)) as Record<string, unknown>;
    assert.equal(after.id, id);
    return {
      ...row,
      after: {
        ...after,
        id: undefined,
        targetEntityId: undefined,
        createdAt: undefined,
        updatedAt: undefined,
      },
    };
  };
  assert.deepEqual(await audit(ids.thin), await audit(ids.me));
  const key = async (name: string) => {
    const [row] = await query(
      `select tenant_id, client_id, method, url, state, response_status, response_headers,
         expires_at - created_at as ttl, locked_until - created_at as lease
       from idempotency_keys where key = $1`,
      [name],
    );
    assert.ok(row, `key ${name} stored`);
    return { ...row, ttl: Number(row.ttl), lease: Number(row.lease) };
  };
  assert.deepEqual(await key('key-thin'), await key('key-me'));

  for (const [side, source, target, name, id] of [
    [thin, 1, 2, 'key-me', ids.me],
    [me, 1, 3, 'key-thin', ids.thin],
  ] as const) {
    const replay = await post(side, writer.me, source, target, name);
    assert.equal(replay.statusCode, 200, `${side.name}: ${replay.body}`);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(replay.json(), { id, success: true });
  }
}

describe('the thin comparator of npm run bench', () => {
  it('answers as multientity does on SQLite', { timeout: 60_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'comparator-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bench.db');
    const sqlite = (await import('better-sqlite3')).default;
    await checkSameAnswers(
      t,
      file,
      () => createSqliteStore({ path: file }),
      async (sql, values) => {
        const db = new sqlite(file, { readonly: true });
        try {
          return db.prepare(sql.replaceAll(/\$\d+/g, '?')).all(...values) as Record<string, unknown>[];
        } finally {
          db.close();
        }
      },
    );
  });

  it('answers as multientity does on PostgreSQL', { timeout: 60_000, skip: !postgresTestUrl }, async (t) => {
    const database = await createPostgresTestDatabase();
    t.after(() => database.drop());
    await checkSameAnswers(
      t,
      database.url,
      () => createPostgresStore({ url: database.url, poolSize: 2 }),
      async (sql, values) => {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          return (await client.query(sql, values)).rows;
        } finally {
          await client.end();
        }
      },
    );
  });
});
