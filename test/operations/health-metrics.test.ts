import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { clients, ids } from '../helpers/fixtures.js';
import { assertError, tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';
import { operator, operatorEnv } from './support.js';

/** Parses Prometheus text format into sample lines: name, labels, value. */
function parseMetrics(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key as string] = value as string;
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

for (const database of testDatabases) {
  describe(`${database.name}: health, readiness and metrics`, () => {
    it('answers /ready 200 while the database answers', async (t) => {
      const { app } = await build(t, { database });
      const res = await app.inject({ method: 'GET', url: '/ready' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ready' });
    });

    it('answers /ready 503 with category 61 in the envelope once the database is closed', async (t) => {
      const { app, store } = await build(t, { database });
      await store.close();
      const res = await app.inject({ method: 'GET', url: '/ready' });
      assertError(res, 503, 61);
      assert.match(res.json().reasons[0].message, /database/);
    });

    it('serves Prometheus text with requests by operation and status, latency, replays and rejections', async (t) => {
      const { app } = await build(t, { database, env: operatorEnv });
      await app.inject({
        method: 'PUT',
        url: `/admin/v1/tenants/${ids.tenant}/limits`,
        headers: operator,
        payload: { profile: 'api-sandbox', perMinute: 3 },
      });
      const token = await tokenFor(app, clients.usAdminSingle);
      const headers = { authorization: `Bearer ${token}`, 'idempotency-key': 'metrics-1' };
      const post = () =>
        app.inject({
          method: 'POST',
          url: '/v1/entity-connections',
          headers,
          payload: { targetEntityId: ids.eu },
        });
      assert.equal((await post()).statusCode, 200);
      assert.equal((await post()).headers['idempotent-replayed'], 'true');
      await post();
      assert.equal((await post()).statusCode, 429);

      const res = await app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const samples = parseMetrics(res.body);
      const value = (name: string, labels: Record<string, string> = {}) =>
        samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
          ?.value;

      assert.equal(
        value('multientity_http_requests_total', { operation: 'POST_EntityConnections', status: '200' }),
        3,
      );
      assert.equal(
        value('multientity_http_requests_total', { operation: 'POST_EntityConnections', status: '429' }),
        1,
      );
      assert.equal(value('multientity_http_requests_total', { operation: 'createToken', status: '200' }), 1);
      assert.equal(
        value('multientity_http_request_duration_seconds_count', { operation: 'POST_EntityConnections' }),
        4,
      );
      assert.equal(
        value('multientity_http_request_duration_seconds_bucket', {
          operation: 'POST_EntityConnections',
          le: '+Inf',
        }),
        4,
      );
      assert.equal(value('multientity_idempotent_replays_total'), 2);
      assert.equal(value('multientity_limit_rejections_total', { limit: 'minute' }), 1);
      assert.equal(value('multientity_database_up'), 1);
      if (database.name === 'postgres') {
        assert.ok((value('multientity_database_pool_connections', { state: 'total' }) ?? 0) >= 1);
        // The scrape's own ping may be queued for the pool at that moment: a count, not necessarily 0.
        assert.ok((value('multientity_database_pool_connections', { state: 'waiting' }) ?? -1) >= 0);
      }
      assert.ok((value('multientity_process_resident_memory_bytes') ?? 0) > 0);
    });

    it('writes the request id, track id, tenant and entity on the request log lines', async (t) => {
      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
          done();
        },
      });
      const { app } = await build(t, { database, logger: pino({ level: 'info' }, sink) });
      const token = await tokenFor(app, clients.usAdminSingle);
      const res = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: { authorization: `Bearer ${token}`, 'zuora-track-id': 'log-run' },
      });
      const requestId = res.headers['zuora-request-id'];
      const mine = lines.filter((l) => l.reqId === requestId);
      // One line per request at info (OneLinePerRequest), not Fastify's incoming + completed.
      assert.deepEqual(
        mine.map((l) => l.msg),
        ['request completed'],
      );
      const completed = mine.find((l) => l.msg === 'request completed');
      assert.ok(completed, JSON.stringify(mine));
      assert.equal(completed.trackId, 'log-run');
      assert.equal(completed.tenantId, ids.tenant);
      assert.equal(completed.entityId, ids.us);
    });
  });
}
