import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { createPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { build, manualClock } from '../helpers/build.js';
import { createPostgresTestDatabase, postgresTestUrl, type TestDatabase } from '../helpers/databases.js';
import { clients, ids } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

/**
 * An idempotent POST is one transaction: the key, the connection, its audit event and the stored
 * response land together or not at all (domain/idempotency.ts). These tests need SQL the store does
 * not offer (triggers), so each opens its database itself: a SQLite file, or a PostgreSQL database
 * of its own.
 */

const URL_PATH = '/v1/entity-connections';
const DAY = 24 * 60 * 60 * 1000;

interface Side {
  name: TestDatabase['name'];
  /** A fresh database for one test: the store to build the app on, and a way to run raw SQL on it. */
  open(t: TestContext): Promise<{ database: TestDatabase; raw(statements: string): Promise<void> }>;
}

const sqlite: Side = {
  name: 'sqlite',
  async open(t) {
    const dir = mkdtempSync(join(tmpdir(), 'multientity-idem-tx-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'multientity.db');
    return {
      database: { name: 'sqlite', openStore: () => createSqliteStore({ path }) },
      async raw(statements) {
        // Another connection to the same file: the server's sees the schema change at its next statement.
        const db = new SqliteDatabase(path);
        try {
          db.exec(statements);
        } finally {
          db.close();
        }
      },
    };
  },
};

const postgres: Side = {
  name: 'postgres',
  async open(t) {
    const created = await createPostgresTestDatabase();
    t.after(() => created.drop());
    return {
      database: { name: 'postgres', openStore: () => createPostgresStore({ url: created.url, poolSize: 4 }) },
      async raw(statements) {
        const client = new pg.Client({ connectionString: created.url });
        await client.connect();
        try {
          await client.query(statements);
        } finally {
          await client.end();
        }
      },
    };
  },
};

/** PostgreSQL: every connection insert waits `seconds` first, holding its request in its transaction. */
const slowConnectionInserts = (seconds: number) => `
  create function slow_insert() returns trigger language plpgsql as $$
    begin perform pg_sleep(${seconds}); return new; end $$;
  create trigger slow_insert before insert on entity_connections
    for each row execute function slow_insert();`;

/** Makes storing a finished key fail, whether it is inserted finished or updated to finished. */
const refuseStoredResponses: Record<Side['name'], string> = {
  sqlite: `
    create trigger refuse_done_insert before insert on idempotency_keys when new.state = 'done'
      begin select raise(abort, 'refused by the test'); end;
    create trigger refuse_done_update before update on idempotency_keys when new.state = 'done'
      begin select raise(abort, 'refused by the test'); end;`,
  postgres: `
    create function refuse_done() returns trigger language plpgsql as $$
      begin raise exception 'refused by the test'; end $$;
    create trigger refuse_done before insert or update on idempotency_keys
      for each row when (new.state = 'done') execute function refuse_done();`,
};
const allowStoredResponses: Record<Side['name'], string> = {
  sqlite: 'drop trigger refuse_done_insert; drop trigger refuse_done_update;',
  postgres: 'drop trigger refuse_done on idempotency_keys;',
};

async function setup(t: TestContext, side: Side) {
  const { database, raw } = await side.open(t);
  const clock = manualClock();
  const { app, store, services } = await build(t, { database, clock });
  const headers = {
    authorization: `Bearer ${await tokenFor(app, clients.globalAdmin)}`,
    'zuora-entity-ids': ids.global,
  };
  const post = (key: string, targetEntityId: string) =>
    app.inject({
      method: 'POST',
      url: URL_PATH,
      headers: { ...headers, 'idempotency-key': key },
      payload: { targetEntityId },
    });
  const outbound = async () => {
    const res = await app.inject({ method: 'GET', url: `${URL_PATH}?type=outbound&pageSize=300`, headers });
    assert.equal(res.statusCode, 200);
    return res.json().entityConnections as { id: string; targetEntityId: string }[];
  };
  const requestAudits = () => store.listAuditEvents(ids.tenant, { action: 'connection.request' });
  return { app, store, services, clock, raw, post, outbound, requestAudits };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function assertStoredAs(
  { store }: Setup,
  key: string,
  res: Awaited<ReturnType<FastifyInstance['inject']>>,
) {
  const stored = await store.findIdempotencyRecord(ids.tenant, clients.globalAdmin.id, key);
  assert.equal(stored?.state, 'done');
  assert.equal(stored?.responseStatus, res.statusCode);
  assert.equal(stored?.responseBody, res.body);
  assert.deepEqual(stored?.responseHeaders, { 'content-type': res.headers['content-type'] });
}

/** The key `key` stored as finished by another request (another instance) for the same POST to `target`. */
async function storedElsewhere({ store, services }: Setup, key: string, target: string, at: number) {
  const client = await store.findClient(clients.globalAdmin.id);
  return {
    tenantId: ids.tenant,
    clientId: clients.globalAdmin.id,
    key,
    method: 'POST',
    url: URL_PATH,
    bodyHash: services.idempotency.fingerprint({
      method: 'POST',
      url: URL_PATH,
      tenantId: ids.tenant,
      clientId: clients.globalAdmin.id,
      userId: client?.userId ?? '',
      entityId: ids.global,
      apiVersion: '2024-05-20',
      body: { targetEntityId: target },
    }),
    state: 'done' as const,
    lockedUntil: at,
    responseStatus: 200,
    responseHeaders: { 'content-type': 'application/json; charset=utf-8' },
    responseBody: '{"id":"stored-by-another-instance","success":true}',
    createdAt: at,
    expiresAt: at + DAY,
  };
}

for (const side of postgresTestUrl ? [sqlite, postgres] : [sqlite]) {
  describe(`${side.name}: an idempotent POST in one transaction`, () => {
    it('leaves one connection, one audit event and one key, whose replay is the first response byte for byte', async (t) => {
      const s = await setup(t, side);
      const first = await s.post('one', ids.us);
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      await assertStoredAs(s, 'one', first);

      const replay = await s.post('one', ids.us);
      assert.equal(replay.statusCode, first.statusCode);
      assert.equal(replay.body, first.body);
      assert.equal(replay.headers['content-type'], first.headers['content-type']);
      assert.equal(replay.headers['idempotent-replayed'], 'true');

      assert.deepEqual(
        (await s.outbound()).map((c) => [c.id, c.targetEntityId]),
        [[first.json().id, ids.us]],
      );
      assert.equal((await s.requestAudits()).length, 1);
      // Every key is swept once a day has passed: exactly one was stored.
      s.clock.advance(DAY);
      assert.equal(await s.services.idempotency.sweep(), 1);
    });

    it('stores a 404 for an unknown target and replays it, and keeps nothing else of the request', async (t) => {
      const s = await setup(t, side);
      const unknown = 'f'.repeat(32);
      const first = await s.post('missing', unknown);
      assert.equal(first.statusCode, 404, first.body);
      await assertStoredAs(s, 'missing', first);
      const replay = await s.post('missing', unknown);
      assert.equal(replay.statusCode, 404);
      assert.equal(replay.body, first.body);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(await s.outbound(), []);
      assert.deepEqual(await s.requestAudits(), []);
    });

    it('stores a duplicate connection refused after the first request, with no second connection or audit event', async (t) => {
      const s = await setup(t, side);
      assert.equal((await s.post('first', ids.eu)).statusCode, 200);
      const duplicate = await s.post('second', ids.eu);
      assert.equal(duplicate.statusCode, 400, duplicate.body);
      await assertStoredAs(s, 'second', duplicate);
      const replay = await s.post('second', ids.eu);
      assert.equal(replay.body, duplicate.body);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal((await s.outbound()).length, 1);
      assert.equal((await s.requestAudits()).length, 1);
    });

    it('writes no connection when its response cannot be stored, and the retry then runs once', async (t) => {
      const s = await setup(t, side);
      await s.raw(refuseStoredResponses[side.name]);
      const failed = await s.post('refused', ids.us);
      assert.equal(failed.statusCode, 500, failed.body);
      // The connection and its audit event were in the transaction that could not store the key.
      assert.deepEqual(await s.outbound(), []);
      assert.deepEqual(await s.requestAudits(), []);
      assert.equal(
        await s.store.findIdempotencyRecord(ids.tenant, clients.globalAdmin.id, 'refused'),
        undefined,
      );

      await s.raw(allowStoredResponses[side.name]);
      const retried = await s.post('refused', ids.us);
      assert.equal(retried.statusCode, 200, retried.body);
      assert.equal(retried.headers['idempotent-replayed'], undefined);
      assert.equal((await s.outbound()).length, 1);
      assert.equal((await s.requestAudits()).length, 1);
    });

    it('answers 409 (category 50), not a 500, when another request stores the key before this one’s error response', async (t) => {
      const s = await setup(t, side);
      const unknown = 'f'.repeat(32);
      // The gap between this request's rolled-back transaction and storing its error response,
      // where another instance's request with the same key commits.
      const fail = s.services.idempotency.fail;
      s.services.idempotency.fail = async (scope, response) => {
        await s.store.insertIdempotencyClaim(await storedElsewhere(s, 'gap', unknown, s.clock.now()));
        return fail(scope, response);
      };
      const answer = await s.post('gap', unknown);
      s.services.idempotency.fail = fail;
      assert.equal(answer.statusCode, 409, answer.body);
      assert.equal(answer.json().success, false);
      assert.equal(answer.json().reasons[0].code % 100, 50);
      const retry = await s.post('gap', unknown);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(retry.body, '{"id":"stored-by-another-instance","success":true}');
    });

    if (side.name === 'postgres') {
      it('replays the response another instance stored after this request looked the key up', async (t) => {
        const s = await setup(t, side);
        // Holds the request inside its transaction, after the key was looked up.
        await s.raw(slowConnectionInserts(0.5));
        const answer = s.post('late', ids.us);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await s.store.insertIdempotencyClaim(await storedElsewhere(s, 'late', ids.us, s.clock.now()));
        const res = await answer;
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['idempotent-replayed'], 'true');
        assert.equal(res.body, '{"id":"stored-by-another-instance","success":true}');
        // Its own connection rolled back with the key it could not store.
        assert.deepEqual(await s.outbound(), []);
      });

      it('answers 409 with category 50 at once to the same key while the first request is in its transaction', async (t) => {
        const s = await setup(t, side);
        // Holds the first request inside its transaction, after the key was looked up.
        await s.raw(slowConnectionInserts(1));
        const first = s.post('busy', ids.us);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const started = Date.now();
        const second = await s.post('busy', ids.us);
        assert.equal(second.statusCode, 409, second.body);
        assert.equal(second.json().reasons[0].code % 100, 50);
        assert.ok(Date.now() - started < 700, 'answered without waiting for the first request');
        const done = await first;
        assert.equal(done.statusCode, 200, done.body);
        const retry = await s.post('busy', ids.us);
        assert.equal(retry.headers['idempotent-replayed'], 'true');
        assert.equal(retry.body, done.body);
        assert.equal((await s.outbound()).length, 1);
      });
    }
  });
}
