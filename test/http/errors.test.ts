import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { appPerSuite, build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { globalHeaders, tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';

/** Zuora's envelope (docs/CONTRACT.md §3), exactly, with the given reason code. */
function assertEnvelope(res: LightMyRequestResponse, status: number, code: number) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['processId', 'reasons', 'success']);
  assert.equal(body.success, false);
  assert.match(body.processId, /^[0-9A-F]{16}$/);
  assert.equal(body.reasons.length, 1);
  assert.deepEqual(Object.keys(body.reasons[0]).sort(), ['code', 'message']);
  assert.equal(body.reasons[0].code, code);
  assert.equal(typeof body.reasons[0].message, 'string');
  assert.equal(String(res.headers['zuora-request-id']).length, 36);
}

for (const database of testDatabases) {
  describe(`${database.name}: the error envelope`, () => {
    const suite = appPerSuite({ database });

    it('answers an unknown route with 404 and category 40', async () => {
      const { app } = await suite.acme();
      assertEnvelope(await app.inject({ method: 'GET', url: '/v1/nothing-here' }), 404, 50000040);
      assertEnvelope(
        await app.inject({ method: 'POST', url: '/v1/entity-connections/abc/explode' }),
        404,
        50000040,
      );
    });

    it('answers a known path with another method with 405 and category 45', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await globalHeaders(app, { ids, clients });
      assertEnvelope(
        await app.inject({ method: 'DELETE', url: '/v1/entity-connections', headers }),
        405,
        50000045,
      );
      assertEnvelope(
        await app.inject({ method: 'GET', url: '/v1/entity-connections/0123/accept', headers }),
        405,
        50000045,
      );
      assertEnvelope(await app.inject({ method: 'GET', url: '/oauth/token' }), 405, 50000045);
    });

    it('answers 404, not 405, for a known path with a trailing slash', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await globalHeaders(app, { ids, clients });
      assertEnvelope(
        await app.inject({ method: 'GET', url: '/v1/entity-connections/', headers }),
        404,
        50000040,
      );
      assertEnvelope(await app.inject({ method: 'POST', url: '/oauth/token/' }), 404, 50000040);
    });

    it('answers malformed JSON with 400 and category 90', async () => {
      const { app, ids, clients } = await suite.acme();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers: { ...(await globalHeaders(app, { ids, clients })), 'content-type': 'application/json' },
        payload: '{"targetEntityId": ',
      });
      assertEnvelope(res, 400, 50000090);
    });

    it('answers an unknown body field with 400 and category 21 naming the field', async () => {
      const { app, ids, clients } = await suite.acme();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers: await globalHeaders(app, { ids, clients }),
        payload: { targetEntityId: ids.us, targetEntityName: 'Acme-US' },
      });
      assertEnvelope(res, 400, 50000021);
      assert.match(res.json().reasons[0].message, /targetEntityName/);
    });

    it('answers a server failure with 500, category 60 and the generic message only, and logs it with the request id', async (t) => {
      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          callback();
        },
      });
      const { app, store } = await build(t, { database, logger: pino({ level: 'info' }, sink) });
      const headers = await globalHeaders(app);
      await store.close();

      const res = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: { ...headers, 'zuora-track-id': 'trace-500' },
      });
      assertEnvelope(res, 500, 50000060);
      assert.equal(res.json().reasons[0].message, 'An internal error occurred.');
      assert.doesNotMatch(res.body, /at .*\.(ts|js):\d+|destroyed|sqlite|kysely|Error:/i);
      assert.equal(res.headers['zuora-track-id'], 'trace-500');

      const requestId = String(res.headers['zuora-request-id']);
      const logged = lines.find((line) => line.level === 50 && line.reqId === requestId);
      assert.ok(logged, `no error logged with reqId ${requestId}: ${JSON.stringify(lines)}`);
      assert.equal(logged.trackId, 'trace-500');
      assert.ok(logged.err, 'the log line carries the error');
    });
  });

  describe(`${database.name}: Zuora-Version and error statuses`, () => {
    const suite = appPerSuite({ database });

    for (const version of ['211.0', '186.0', '2023-01-01', '2024-05-19']) {
      it(`answers errors with HTTP 200 and success false for Zuora-Version ${version}`, async () => {
        const { app, ids, clients } = await suite.acme();
        const headers = { ...(await globalHeaders(app, { ids, clients })), 'zuora-version': version };
        const notFound = await app.inject({
          method: 'PUT',
          url: '/v1/entity-connections/abc/accept',
          headers,
        });
        assertEnvelope(notFound, 200, 50000040);
        const unauthenticated = await app.inject({
          method: 'GET',
          url: '/v1/entity-connections',
          headers: { 'zuora-version': version },
        });
        assertEnvelope(unauthenticated, 200, 90000011);
        // Success is unaffected.
        const ok = await app.inject({ method: 'GET', url: '/v1/entity-connections', headers });
        assert.equal(ok.statusCode, 200);
        assert.equal(ok.json().success, true);
      });
    }

    for (const version of ['2024-05-20', '2025-08-12']) {
      it(`answers errors with their own HTTP status for Zuora-Version ${version}`, async () => {
        const { app, ids, clients } = await suite.acme();
        const headers = { ...(await globalHeaders(app, { ids, clients })), 'zuora-version': version };
        const res = await app.inject({ method: 'PUT', url: '/v1/entity-connections/abc/accept', headers });
        assertEnvelope(res, 404, 50000040);
      });
    }

    for (const version of ['latest', '2024-13-01', '2024-5-20', '211.x', '']) {
      it(`answers 400 with category 20 for the malformed Zuora-Version '${version}'`, async () => {
        const { app, ids, clients } = await suite.acme();
        const res = await app.inject({
          method: 'GET',
          url: '/v1/entity-connections',
          headers: { ...(await globalHeaders(app, { ids, clients })), 'zuora-version': version },
        });
        assertEnvelope(res, 400, 50000020);
      });
    }

    it('answers errors with HTTP 200 for a tenant whose default version is old, unless the header says 2024-05-20 or later', async () => {
      const { app, ids, clients } = await suite.acme((fixture) => {
        const [acme] = fixture.tenants;
        assert.ok(acme);
        acme.apiVersion = '211.0';
      });
      const headers = await globalHeaders(app, { ids, clients });
      const url = '/v1/entity-connections/abc/accept';
      assertEnvelope(await app.inject({ method: 'PUT', url, headers }), 200, 50000040);
      assertEnvelope(
        await app.inject({ method: 'PUT', url, headers: { ...headers, 'zuora-version': '2024-05-20' } }),
        404,
        50000040,
      );
      assertEnvelope(
        await app.inject({ method: 'PUT', url, headers: { ...headers, 'zuora-version': '2023-01-01' } }),
        200,
        50000040,
      );
      // Another tenant on the modern default keeps its statuses.
      const other = {
        authorization: `Bearer ${await tokenFor(app, clients.otherTenantAdmin)}`,
        'zuora-entity-ids': ids.otherGlobal,
      };
      assertEnvelope(await app.inject({ method: 'PUT', url, headers: other }), 404, 50000040);
    });
  });
}
