import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { loadFixture } from '../../src/domain/fixture-loader.js';
import { buildApp } from '../../src/http/app.js';
import { createServices } from '../../src/services.js';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { appPerSuite, build, manualClock } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { acmeFixture, clients, ids } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

const HOUR = 60 * 60 * 1000;
const URL_PATH = '/v1/entity-connections';

async function headersFor(
  app: FastifyInstance,
  client: { id: string; secret: string } = clients.globalAdmin,
  entityId: string = ids.global,
) {
  return { authorization: `Bearer ${await tokenFor(app, client)}`, 'zuora-entity-ids': entityId };
}

function post(
  app: FastifyInstance,
  headers: Record<string, string>,
  key: string | undefined,
  body: unknown,
  extra: Record<string, string> = {},
  url = URL_PATH,
) {
  return app.inject({
    method: 'POST',
    url,
    headers: { ...headers, ...(key === undefined ? {} : { 'idempotency-key': key }), ...extra },
    payload: body as object,
  });
}

async function connections(app: FastifyInstance, headers: Record<string, string>) {
  const res = await app.inject({ method: 'GET', url: `${URL_PATH}?pageSize=300`, headers });
  assert.equal(res.statusCode, 200);
  return res.json().entityConnections as { id: string; targetEntityId: string; status: string }[];
}

function assertReplayOf(replay: LightMyRequestResponse, first: LightMyRequestResponse) {
  assert.equal(replay.statusCode, first.statusCode);
  assert.equal(replay.body, first.body);
  assert.equal(replay.headers['content-type'], first.headers['content-type']);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
}

for (const database of testDatabases) {
  describe(`${database.name}: Idempotency-Key`, () => {
    const suite = appPerSuite({ database });

    it('replays the first response with Idempotent-Replayed and the current track id, without running again', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await headersFor(app, clients.globalAdmin, ids.global);
      const body = { targetEntityId: ids.us };
      const first = await post(app, headers, 'key-1', body, { 'zuora-track-id': 'first' });
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.headers['idempotent-replayed'], undefined);

      const replay = await post(app, headers, 'key-1', body, { 'zuora-track-id': 'second' });
      assertReplayOf(replay, first);
      assert.equal(replay.headers['zuora-track-id'], 'second');
      assert.notEqual(replay.headers['zuora-request-id'], first.headers['zuora-request-id']);

      const untracked = await post(app, headers, 'key-1', body);
      assertReplayOf(untracked, first);
      assert.equal(untracked.headers['zuora-track-id'], undefined);

      assert.equal((await connections(app, headers)).length, 1);
    });

    it('replays an error the handler answered, even once the request would now succeed', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await headersFor(app, clients.globalAdmin, ids.global);
      const body = { targetEntityId: ids.us };
      const created = await post(app, headers, undefined, body);
      assert.equal(created.statusCode, 200);
      const duplicate = await post(app, headers, 'dup', body);
      assert.equal(duplicate.statusCode, 400);
      assert.equal(duplicate.json().reasons[0].code, 50000030);

      // Deny the first: the same request without the key would now succeed.
      const us = await headersFor(app, clients.usAdminSingle, ids.us);
      const deny = await app.inject({
        method: 'PUT',
        url: `${URL_PATH}/${created.json().id}/deny`,
        headers: us,
      });
      assert.equal(deny.statusCode, 200);

      assertReplayOf(await post(app, headers, 'dup', body), duplicate);
      assert.equal((await connections(app, headers)).length, 0);
    });

    it('answers 409 with category 50 while the first request with the key is still running', async (t) => {
      const clock = manualClock();
      const { app, store, services } = await build(t, { database, clock });
      const headers = await headersFor(app);
      const body = { targetEntityId: ids.us };
      const now = clock.now();
      const client = await store.findClient(clients.globalAdmin.id);
      await store.insertIdempotencyClaim({
        tenantId: ids.tenant,
        clientId: clients.globalAdmin.id,
        key: 'busy',
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
          body,
        }),
        state: 'running',
        lockedUntil: now + 30_000,
        responseStatus: null,
        responseHeaders: null,
        responseBody: null,
        createdAt: now,
        expiresAt: now + 24 * HOUR,
      });
      const res = await post(app, headers, 'busy', body);
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().reasons[0].code, 50000050);
      assert.equal((await connections(app, headers)).length, 0);

      // A claim whose process died is given up after its lease: the request then runs.
      clock.advance(30_001);
      const retried = await post(app, headers, 'busy', body);
      assert.equal(retried.statusCode, 200, retried.body);
      assert.equal(retried.headers['idempotent-replayed'], undefined);
    });

    it('answers 422 when the key is reused with another body, URL or method', async (t) => {
      const clock = manualClock();
      const { app, store } = await build(t, { database, clock });
      const headers = await headersFor(app);
      const first = await post(app, headers, 'k', { targetEntityId: ids.us });
      assert.equal(first.statusCode, 200);

      const otherBody = await post(app, headers, 'k', { targetEntityId: ids.eu });
      assert.equal(otherBody.statusCode, 422);
      assert.equal(otherBody.json().success, false);
      const otherUrl = await post(app, headers, 'k', { targetEntityId: ids.us }, {}, `${URL_PATH}?via=retry`);
      assert.equal(otherUrl.statusCode, 422);

      // Only POST routes take keys today, so the other method is a key stored by a PATCH.
      const now = clock.now();
      await store.insertIdempotencyClaim({
        tenantId: ids.tenant,
        clientId: clients.globalAdmin.id,
        key: 'patched',
        method: 'PATCH',
        url: URL_PATH,
        bodyHash: createHash('sha256')
          .update(JSON.stringify({ targetEntityId: ids.us }))
          .digest('hex'),
        state: 'running',
        lockedUntil: now,
        responseStatus: null,
        responseHeaders: null,
        responseBody: null,
        createdAt: now,
        expiresAt: now + 24 * HOUR,
      });
      const otherMethod = await post(app, headers, 'patched', { targetEntityId: ids.us });
      assert.equal(otherMethod.statusCode, 422);
      assert.equal((await connections(app, headers)).length, 1);
    });

    it('answers 422, creating nothing, when the key is reused with the same body acting in another entity', {
      timeout: 30_000,
    }, async () => {
      const { app, ids, clients } = await suite.acme();
      const inGlobal = await headersFor(app, clients.globalAdmin, ids.global);
      const inUs = await headersFor(app, clients.globalAdmin, ids.us);
      const body = { targetEntityId: ids.apac };
      const first = await post(app, inGlobal, 'acting', body);
      assert.equal(first.statusCode, 200, first.body);
      const reused = await post(app, inUs, 'acting', body);
      assert.equal(reused.statusCode, 422, reused.body);
      assert.equal(reused.headers['idempotent-replayed'], undefined);
      assert.equal(reused.json().success, false);
      assert.equal(reused.json().reasons[0].code, 50000030);
      assert.equal((await connections(app, inUs)).filter((c) => c.targetEntityId === ids.apac).length, 0);
    });

    it('answers 422 when a stored 400 of a 2024-05-20 request is reused with Zuora-Version 211.0', {
      timeout: 30_000,
    }, async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await headersFor(app, clients.globalAdmin, ids.global);
      const body = { targetEntityId: ids.global };
      const first = await post(app, headers, 'versioned', body, { 'zuora-version': '2024-05-20' });
      assert.equal(first.statusCode, 400, first.body);
      const old = await post(app, headers, 'versioned', body, { 'zuora-version': '211.0' });
      // Version 211.0 answers errors as HTTP 200 with success: false; the reason is the 422's.
      assert.equal(old.statusCode, 200, old.body);
      assert.equal(old.headers['idempotent-replayed'], undefined);
      assert.equal(old.json().success, false);
      assert.equal(old.json().reasons[0].code, 50000030);
    });

    it('replays the same body with its keys in another order', { timeout: 30_000 }, async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = {
        ...(await headersFor(app, clients.globalAdmin, ids.global)),
        'content-type': 'application/json',
      };
      const entity = {
        name: 'Acme-MX',
        displayName: 'Mexico',
        locale: 'es_MX',
        timezone: 'UTC',
        parentId: ids.global,
      };
      const a = await app.inject({
        method: 'POST',
        url: '/v1/entities',
        headers: { ...headers, 'idempotency-key': 'order' },
        payload: JSON.stringify(entity),
      });
      assert.equal(a.statusCode, 200, a.body);
      const reversed = Object.fromEntries(Object.entries(entity).reverse());
      const b = await app.inject({
        method: 'POST',
        url: '/v1/entities',
        headers: { ...headers, 'idempotency-key': 'order' },
        payload: JSON.stringify(reversed),
      });
      assertReplayOf(b, a);
    });

    it('treats the same body sent gzipped or with other whitespace as the same request', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await headersFor(app, clients.globalAdmin, ids.global);
      const first = await post(app, headers, 'same', { targetEntityId: ids.us });
      const spaced = await app.inject({
        method: 'POST',
        url: URL_PATH,
        headers: { ...headers, 'idempotency-key': 'same', 'content-type': 'application/json' },
        payload: `{ "targetEntityId" : "${ids.us}" }\n`,
      });
      assertReplayOf(spaced, first);
    });

    it('scopes keys per client: the same key from another client runs on its own', async () => {
      const { app, ids, clients } = await suite.acme();
      // Both are administrators of US and can access EU.
      const admin = await headersFor(app, clients.globalAdmin, ids.us);
      const usAdmin = await headersFor(app, clients.usAdminSingle, ids.us);
      const first = await post(app, admin, 'shared', { targetEntityId: ids.eu });
      assert.equal(first.statusCode, 200);
      const second = await post(app, usAdmin, 'shared', { targetEntityId: ids.eu });
      // Not a replay: the US admin's own request ran, and met the open connection.
      assert.equal(second.headers['idempotent-replayed'], undefined);
      assert.equal(second.statusCode, 400);
      assert.equal(second.json().reasons[0].code, 50000030);
    });

    it('answers 400 for an empty key or one longer than 255 characters, and accepts one of 255', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await headersFor(app, clients.globalAdmin, ids.global);
      const tooLong = await post(app, headers, 'k'.repeat(256), { targetEntityId: ids.us });
      assert.equal(tooLong.statusCode, 400);
      assert.equal(tooLong.json().reasons[0].code % 100, 20);
      assert.equal((await connections(app, headers)).length, 0);
      const empty = await post(app, headers, '', { targetEntityId: ids.us });
      assert.equal(empty.statusCode, 400);
      assert.match(empty.json().reasons[0].message, /empty/);
      const longest = await post(app, headers, 'k'.repeat(255), { targetEntityId: ids.us });
      assert.equal(longest.statusCode, 200, longest.body);
      assertReplayOf(await post(app, headers, 'k'.repeat(255), { targetEntityId: ids.us }), longest);
    });

    it('ignores keys on PUT and GET', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await headersFor(app, clients.globalAdmin, ids.global);
      const created = await post(app, headers, undefined, { targetEntityId: ids.us });
      const us = await headersFor(app, clients.usAdminSingle, ids.us);
      const accept = () =>
        app.inject({
          method: 'PUT',
          url: `${URL_PATH}/${created.json().id}/accept`,
          headers: { ...us, 'idempotency-key': 'put-key' },
        });
      assert.equal((await accept()).statusCode, 200);
      const again = await accept();
      // Run again, not replayed: a Connected connection cannot be accepted.
      assert.equal(again.statusCode, 400);
      assert.equal(again.headers['idempotent-replayed'], undefined);

      const get = await app.inject({
        method: 'GET',
        url: URL_PATH,
        headers: { ...headers, 'idempotency-key': 'g'.repeat(300) },
      });
      assert.equal(get.statusCode, 200);
      assert.equal(get.headers['idempotent-replayed'], undefined);
    });

    it('forgets a key after 24 hours: the same key runs again, and sweep removes old keys', async (t) => {
      const clock = manualClock();
      const { app, store, services } = await build(t, { database, clock });
      const body = { targetEntityId: ids.us };
      const first = await post(app, await headersFor(app), 'day', body);
      assert.equal(first.statusCode, 200);
      await post(app, await headersFor(app), 'other-day', { targetEntityId: ids.eu });

      clock.advance(24 * HOUR - 1);
      assertReplayOf(await post(app, await headersFor(app), 'day', body), first);

      clock.advance(1);
      const later = await post(app, await headersFor(app), 'day', body);
      assert.equal(later.headers['idempotent-replayed'], undefined);
      // It ran again and met the connection the first made.
      assert.equal(later.statusCode, 400);

      assert.ok(await store.findIdempotencyRecord(ids.tenant, clients.globalAdmin.id, 'other-day'));
      assert.ok((await services.idempotency.sweep()) >= 1);
      assert.equal(
        await store.findIdempotencyRecord(ids.tenant, clients.globalAdmin.id, 'other-day'),
        undefined,
      );
      // The key reclaimed a moment ago is fresh and stays.
      assert.ok(await store.findIdempotencyRecord(ids.tenant, clients.globalAdmin.id, 'day'));
    });

    it('creates exactly one connection when two requests with the same new key arrive at once over the wire', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await headersFor(app, clients.globalAdmin, ids.global);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      // A few rounds, each with its own key and target, to give the race several chances to show.
      const targets = [ids.us, ids.eu, ids.apac];
      for (const [round, target] of targets.entries()) {
        const send = () =>
          fetch(`http://127.0.0.1:${port}${URL_PATH}`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `race-${round}` },
            body: JSON.stringify({ targetEntityId: target }),
          });
        const results = await Promise.all(
          (await Promise.all([send(), send()])).map(async (r) => ({
            status: r.status,
            replayed: r.headers.get('idempotent-replayed'),
            body: await r.text(),
          })),
        );
        const ran = results.filter((r) => r.status === 200 && r.replayed === null);
        assert.equal(ran.length, 1, JSON.stringify(results));
        const other = results.find((r) => r !== ran[0]);
        assert.ok(
          (other?.status === 200 && other.replayed === 'true' && other.body === ran[0]?.body) ||
            other?.status === 409,
          JSON.stringify(results),
        );
      }
      const listed = await connections(app, headers);
      assert.equal(listed.length, 3);
      assert.deepEqual(listed.map((c) => c.targetEntityId).sort(), [ids.us, ids.eu, ids.apac].sort());
    });
  });
}

describe('sqlite file: Idempotency-Key across a restart', () => {
  async function start(t: TestContext, path: string, fixture: unknown) {
    const config = loadConfig({}, { db: path });
    const store = await createSqliteStore({ path });
    const services = createServices({ store, config });
    await loadFixture(store, services.clock, fixture);
    const app = await buildApp({ services, config });
    const stop = async () => {
      await app.close();
      await store.close();
    };
    t.after(stop);
    return { app, stop };
  }

  it('replays a key stored before the server restarted', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'multientity-idem-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'multientity.db');
    const fixture = acmeFixture();

    const before = await start(t, path, fixture);
    const headers = await headersFor(before.app);
    const first = await post(before.app, headers, 'survives', { targetEntityId: ids.us });
    assert.equal(first.statusCode, 200, first.body);
    await before.stop();

    const after = await start(t, path, fixture);
    // The token was stored too, so the same headers still authenticate.
    const replay = await post(after.app, headers, 'survives', { targetEntityId: ids.us });
    assertReplayOf(replay, first);
    assert.equal((await connections(after.app, headers)).length, 1);
  });
});
