import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { appPerSuite, build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { ids } from '../helpers/fixtures.js';
import { globalHeaders } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';

const category = (body: { reasons: { code: number }[] }) => (body.reasons[0]?.code ?? 0) % 100;

/** The app's URL on a port the system picks; an app shared by a describe's tests listens once. */
async function listen(app: FastifyInstance): Promise<string> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** A raw request over the wire: node's http client, so headers and bytes go out exactly as given. */
function rawRequest(
  url: string,
  options: { method: string; headers: Record<string, string | number>; body?: Buffer },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    // The server may answer (413) and stop reading before the whole body is sent.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    req.end(options.body);
  });
}

/** Many gzip members of 1 MiB of zeros each: ~1 KiB on the wire per MiB once inflated. */
function gzipBomb(mebibytes: number): Buffer {
  const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: mebibytes }, () => member));
}

for (const database of testDatabases) {
  describe(`${database.name}: Zuora-Request-Id`, () => {
    const suite = appPerSuite({ database });

    it('is set, 36 characters, on successes, errors, unknown routes and wrong methods, and differs per request', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await globalHeaders(app, { ids, clients });
      const responses = await Promise.all([
        app.inject({ method: 'GET', url: '/v1/entity-connections', headers }),
        app.inject({ method: 'GET', url: '/v1/entity-connections' }),
        app.inject({ method: 'GET', url: '/v1/nowhere' }),
        app.inject({ method: 'DELETE', url: '/v1/entity-connections' }),
        app.inject({ method: 'GET', url: '/v1/entity-connections', headers: { 'zuora-track-id': 'a:b' } }),
        app.inject({ method: 'POST', url: '/oauth/token' }),
      ]);
      assert.deepEqual(
        responses.map((r) => r.statusCode),
        [200, 401, 404, 405, 400, 400],
      );
      const requestIds = responses.map((r) => String(r.headers['zuora-request-id']));
      for (const id of requestIds) assert.equal(id.length, 36);
      assert.equal(new Set(requestIds).size, requestIds.length);
    });
  });

  describe(`${database.name}: Zuora-Track-Id`, () => {
    const suite = appPerSuite({ database });

    it('is echoed when valid, on success and on error', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await globalHeaders(app, { ids, clients });
      const trackId = 'x'.repeat(64);
      const ok = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: { ...headers, 'zuora-track-id': trackId },
      });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.headers['zuora-track-id'], trackId);
      const missing = await app.inject({
        method: 'GET',
        url: '/v1/nowhere',
        headers: { 'zuora-track-id': 'trace-42 a/b' },
      });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.headers['zuora-track-id'], 'trace-42 a/b');
    });

    it('is absent from the response when absent from the request', async () => {
      const { app, ids, clients } = await suite.acme();
      const res = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: await globalHeaders(app, { ids, clients }),
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['zuora-track-id'], undefined);
    });

    for (const [title, value] of [
      ['65 characters', 'x'.repeat(65)],
      ['a colon', 'a:b'],
      ['a semicolon', 'a;b'],
      ['a double quote', 'a"b'],
      ['a quote', "a'b"],
    ] as const) {
      it(`answers 400 with category 20 for a track id with ${title}`, async () => {
        const { app, ids, clients } = await suite.acme();
        const res = await app.inject({
          method: 'GET',
          url: '/v1/entity-connections',
          headers: { ...(await globalHeaders(app, { ids, clients })), 'zuora-track-id': value },
        });
        assert.equal(res.statusCode, 400);
        assert.equal(category(res.json()), 20);
        assert.equal(res.headers['zuora-track-id'], undefined);
        assert.equal(String(res.headers['zuora-request-id']).length, 36);
      });
    }

    it('answers 400 with category 20 for a non-ASCII track id sent over the wire', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await globalHeaders(app, { ids, clients });
      const base = await listen(app);
      // Node sends header values as latin1 bytes: 0xE9 is outside US-ASCII.
      const res = await rawRequest(`${base}/v1/entity-connections`, {
        method: 'GET',
        headers: { ...headers, 'zuora-track-id': 'caf\u00e9' },
      });
      assert.equal(res.status, 400);
      assert.equal(category(JSON.parse(res.body.toString())), 20);
    });
  });

  describe(`${database.name}: gzip responses`, () => {
    const suite = appPerSuite({ database });

    it('gzips a response over 1000 bytes when the client accepts gzip, and not one of 1000 bytes or fewer', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await globalHeaders(app, { ids, clients });
      // Twelve connections: each listed one takes about 130 bytes.
      for (const source of [ids.global, ids.us, ids.eu, ids.apac]) {
        const acting = { ...headers, 'zuora-entity-ids': source };
        for (const target of [ids.global, ids.us, ids.eu, ids.apac].filter((id) => id !== source)) {
          const res = await app.inject({
            method: 'POST',
            url: '/v1/entity-connections',
            headers: acting,
            payload: { targetEntityId: target },
          });
          assert.equal(res.statusCode, 200, res.body);
        }
      }
      const big = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections',
        headers: { ...headers, 'accept-encoding': 'gzip' },
      });
      assert.equal(big.statusCode, 200);
      assert.equal(big.headers['content-encoding'], 'gzip');
      const inflated = gunzipSync(big.rawPayload);
      assert.ok(inflated.length > 1000, `inflated ${inflated.length} bytes`);
      assert.equal(JSON.parse(inflated.toString()).entityConnections.length, 6);

      const plain = await app.inject({ method: 'GET', url: '/v1/entity-connections', headers });
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.json().entityConnections.length, 6);

      const small = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections?pageSize=1',
        headers: { ...headers, 'accept-encoding': 'gzip' },
      });
      assert.equal(small.statusCode, 200);
      assert.ok(small.rawPayload.length <= 1000);
      assert.equal(small.headers['content-encoding'], undefined);
      assert.equal(small.json().entityConnections.length, 1);
    });
  });

  describe(`${database.name}: request bodies`, () => {
    const suite = appPerSuite({ database });

    it('accepts a gzip request body', async () => {
      const { app, ids, clients } = await suite.acme();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers: {
          ...(await globalHeaders(app, { ids, clients })),
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        payload: gzipSync(JSON.stringify({ targetEntityId: ids.us })),
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.json().id, /^[0-9a-f]{32}$/);
    });

    it('applies the body limit to the inflated body', async (t) => {
      const { app } = await build(t, { database, env: { MULTIENTITY_BODY_LIMIT: '2048' } });
      const headers = {
        ...(await globalHeaders(app)),
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      };
      const padded = (size: number) => {
        const json = JSON.stringify({ targetEntityId: ids.us });
        return gzipSync(json + ' '.repeat(size - json.length));
      };
      const fits = await app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers,
        payload: padded(2048),
      });
      assert.equal(fits.statusCode, 200, fits.body);
      const tooBig = await app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers,
        payload: padded(4096),
      });
      assert.ok(padded(4096).length < 2048);
      assert.equal(tooBig.statusCode, 413);
      assert.equal(tooBig.json().success, false);
    });

    it('answers 413 for a plain body over the limit', async (t) => {
      const { app } = await build(t, { database, env: { MULTIENTITY_BODY_LIMIT: '2048' } });
      const res = await app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers: { ...(await globalHeaders(app)), 'content-type': 'application/json' },
        payload: JSON.stringify({ targetEntityId: ids.us }) + ' '.repeat(4096),
      });
      assert.equal(res.statusCode, 413);
    });

    it('answers 413 to a gzip bomb quickly, without inflating it all', async (t) => {
      const { app } = await build(t, { database, env: { MULTIENTITY_BODY_LIMIT: String(1024 * 1024) } });
      const headers = await globalHeaders(app);
      const base = await listen(app);
      const bomb = gzipBomb(100); // ~100 KiB that inflates to 100 MiB
      assert.ok(bomb.length < 200 * 1024);

      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let peakRss = rssBefore;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }, 5);
      const started = performance.now();
      const res = await rawRequest(`${base}/v1/entity-connections`, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': bomb.length,
        },
        body: bomb,
      });
      const elapsed = performance.now() - started;
      clearInterval(sampler);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);

      assert.equal(res.status, 413);
      assert.equal(JSON.parse(res.body.toString()).success, false);
      assert.equal(String(res.headers['zuora-request-id']).length, 36);
      // Inflating 100 MiB takes a few hundred ms and as much memory; stopping at 1 MiB takes neither.
      assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
      const grownMiB = (peakRss - rssBefore) / (1024 * 1024);
      assert.ok(grownMiB < 40, `RSS grew by ${grownMiB.toFixed(1)} MiB`);
    });

    it('answers 400 for a corrupt gzip body', async () => {
      const { app, ids, clients } = await suite.acme();
      const gz = gzipSync(JSON.stringify({ targetEntityId: ids.us }));
      const corrupt = Buffer.concat([
        gz.subarray(0, 12),
        Buffer.from('this is not deflate data at all'),
        gz.subarray(12),
      ]);
      for (const payload of [corrupt, Buffer.from('plain text, not gzip at all')]) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/entity-connections',
          headers: {
            ...(await globalHeaders(app, { ids, clients })),
            'content-type': 'application/json',
            'content-encoding': 'gzip',
          },
          payload,
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().success, false);
      }
    });

    it('answers 400 for a truncated gzip body over the wire', async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = await globalHeaders(app, { ids, clients });
      const base = await listen(app);
      const gz = gzipSync(JSON.stringify({ targetEntityId: ids.us }));
      const truncated = gz.subarray(0, gz.length - 6);
      const res = await rawRequest(`${base}/v1/entity-connections`, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': truncated.length,
        },
        body: truncated,
      });
      assert.equal(res.status, 400, res.body.toString());
    });

    it('answers 415 with category 45 for Content-Encoding br', async () => {
      const { app, ids, clients } = await suite.acme();
      const res = await app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers: {
          ...(await globalHeaders(app, { ids, clients })),
          'content-type': 'application/json',
          'content-encoding': 'br',
        },
        payload: JSON.stringify({ targetEntityId: ids.us }),
      });
      assert.equal(res.statusCode, 415);
      assert.equal(category(res.json()), 45);
      assert.equal(String(res.headers['zuora-request-id']).length, 36);
    });
  });
}
