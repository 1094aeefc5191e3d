import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { appPerSuite, build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { clients, ids } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';
import { assertWireEnvelope, listen, parseResponse, rawExchange } from './wire.js';

const HOST = 'Host: 127.0.0.1\r\n';

/** Raw HTTP messages Node's parser or Fastify's router refuses, and what each must answer. */
const MALFORMED: { title: string; bytes: string; status: number; code: number; closes?: boolean }[] = [
  {
    title: 'a path with bad percent-encoding (/v1/entities/%ff)',
    bytes: `GET /v1/entities/%ff HTTP/1.1\r\n${HOST}\r\n`,
    status: 400,
    code: 50000090,
  },
  {
    title: 'a path parameter over 100 characters',
    bytes: `GET /v1/entities/${'a'.repeat(101)} HTTP/1.1\r\n${HOST}\r\n`,
    status: 414,
    code: 50000020,
  },
  {
    title: 'a URL over 16 KB',
    bytes: `GET /v1/entities?x=${'a'.repeat(17 * 1024)} HTTP/1.1\r\n${HOST}\r\n`,
    status: 431,
    code: 50000020,
    closes: true,
  },
  {
    title: 'headers over 16 KB',
    bytes: `GET /health HTTP/1.1\r\n${HOST}X-Padding: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    status: 431,
    code: 50000020,
    closes: true,
  },
  {
    title: 'Expect: foo',
    bytes: `POST /oauth/token HTTP/1.1\r\n${HOST}Expect: foo\r\nContent-Length: 0\r\n\r\n`,
    status: 417,
    code: 50000045,
    closes: true,
  },
  {
    title: 'Content-Length with Transfer-Encoding',
    bytes: `POST /oauth/token HTTP/1.1\r\n${HOST}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
    code: 50000090,
    closes: true,
  },
  {
    title: 'two Content-Length headers',
    bytes: `POST /oauth/token HTTP/1.1\r\n${HOST}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
    status: 400,
    code: 50000090,
    closes: true,
  },
  {
    title: 'a bare LF line ending',
    bytes: `GET /health HTTP/1.1\n${HOST}\r\n`,
    status: 400,
    code: 50000090,
    closes: true,
  },
  {
    title: 'an obs-fold header continuation',
    bytes: `GET /health HTTP/1.1\r\n${HOST}X-Folded: a\r\n b\r\n\r\n`,
    status: 400,
    code: 50000090,
    closes: true,
  },
  {
    title: 'a space before the colon',
    bytes: `GET /health HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n`,
    status: 400,
    code: 50000090,
    closes: true,
  },
  {
    title: 'HTTP/1.1 without Host',
    bytes: 'GET /health HTTP/1.1\r\n\r\n',
    status: 400,
    code: 50000023,
  },
  {
    title: 'a request line that is not HTTP',
    bytes: 'HELLO\r\n\r\n',
    status: 400,
    code: 50000090,
    closes: true,
  },
];

for (const database of testDatabases) {
  describe(`${database.name}: every answer in Zuora's envelope, malformed HTTP included`, () => {
    const suite = appPerSuite({ database });

    for (const { title, bytes, status, code, closes } of MALFORMED) {
      it(`answers ${title} with ${status} in the envelope, with a Zuora-Request-Id, and serves the next connection`, {
        timeout: 20_000,
      }, async () => {
        const { app } = await suite.acme();
        const port = await listen(app);
        const res = parseResponse(await rawExchange(port, bytes));
        assertWireEnvelope(res, status, code);
        // What Node's parser refuses ends the connection: the rest of the bytes cannot be trusted.
        if (closes) assert.equal(String(res.headers.connection).toLowerCase(), 'close');
        const next = parseResponse(
          await rawExchange(port, `GET /health HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`),
        );
        assert.equal(next.status, 200);
      });
    }

    it('names the allowed methods in Allow on a 405', { timeout: 20_000 }, async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = { authorization: `Bearer ${await tokenFor(app, clients.globalAdmin)}` };
      const cases = [
        { method: 'DELETE', url: '/oauth/token', allow: ['POST'] },
        { method: 'GET', url: `/v1/entities/${ids.us}/provision`, allow: ['PUT'] },
        { method: 'POST', url: `/v1/entities/${ids.us}`, allow: ['DELETE', 'GET', 'HEAD', 'PUT'] },
        { method: 'DELETE', url: '/v1/entity-connections', allow: ['GET', 'HEAD', 'POST'] },
      ] as const;
      for (const { method, url, allow } of cases) {
        const res = await app.inject({ method, url, headers });
        assert.equal(res.statusCode, 405, `${method} ${url}`);
        assert.equal(res.json().reasons[0].code, 50000045);
        const named = String(res.headers.allow)
          .split(',')
          .map((m) => m.trim())
          .sort();
        assert.deepEqual(named, allow, `${method} ${url}`);
      }
    });

    it('answers a path that climbs out of /docs/static with 403 or 404 in the envelope, not 500', {
      timeout: 20_000,
    }, async () => {
      const { app } = await suite.acme();
      const port = await listen(app);
      for (const path of ['/docs/static/../../etc/passwd', '/docs/static/%2e%2e/%2e%2e/etc/passwd']) {
        const res = parseResponse(
          await rawExchange(port, `GET ${path} HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`),
        );
        assert.ok(res.status === 403 || res.status === 404, `${path}: ${res.status} ${res.body}`);
        assertWireEnvelope(res, res.status);
        assert.doesNotMatch(res.body, /root:/);
      }
    });

    it('logs a client that aborts mid-body at debug level, with no error and no stack', {
      timeout: 20_000,
    }, async (t) => {
      const lines: { level: number; msg: string; err?: unknown }[] = [];
      const logger = pino(
        { level: 'debug' },
        new Writable({
          write(chunk, _encoding, callback) {
            for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
            callback();
          },
        }),
      );
      const { app } = await build(t, { database, logger });
      const port = await listen(app);
      for (const path of ['/oauth/token', '/v1/entity-connections']) {
        const socket = connect(port, '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(
          `POST ${path} HTTP/1.1\r\n${HOST}Authorization: Bearer ${await tokenFor(app, clients.globalAdmin)}\r\n` +
            `Zuora-Entity-Ids: ${ids.global}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"targetEntityId": "',
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        socket.destroy();
      }
      const deadline = Date.now() + 5000;
      while (
        lines.filter((line) => line.msg === 'client aborted the request').length < 2 &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const aborted = lines.filter((line) => line.msg === 'client aborted the request');
      assert.equal(aborted.length, 2, JSON.stringify(lines));
      assert.ok(aborted.every((line) => line.level === 20));
      const loud = lines.filter((line) => line.level >= 40);
      assert.deepEqual(loud, []);
      assert.ok(lines.every((line) => line.err === undefined || line.level < 40));
    });
  });
}
