import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { appPerSuite } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';
import { listen, send } from './wire.js';

const LIMIT = 1024 * 1024;
const tokenForm = (client: { id: string; secret: string }) =>
  new URLSearchParams({
    client_id: client.id,
    client_secret: client.secret,
    grant_type: 'client_credentials',
  }).toString();

/**
 * Sends `head` and then `filler` again and again, chunked, until the server answers or `max` bytes are out;
 * resolves with the status and how many bytes went out before the answer.
 */
function streamAfter(
  port: number,
  head: Buffer,
  filler: Buffer,
  max: number,
): Promise<{ status: number; sent: number; body: string }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/oauth/token',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-encoding': 'gzip',
          'transfer-encoding': 'chunked',
        },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, sent, body: Buffer.concat(chunks).toString() });
          req.destroy();
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered && error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    const pump = () => {
      while (!answered && sent < max) {
        sent += filler.length;
        if (!req.write(filler)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    req.write(head);
    sent = head.length;
    pump();
  });
}

for (const database of testDatabases) {
  describe(`${database.name}: gzip bodies are bounded on the wire too`, () => {
    const suite = appPerSuite({ database, env: { MULTIENTITY_BODY_LIMIT: String(LIMIT) } });

    it('answers 413 as soon as the bytes received pass the body limit, even when they inflate to nothing (empty deflate blocks)', {
      timeout: 30_000,
    }, async () => {
      const { app } = await suite.acme();
      const port = await listen(app);
      // A gzip header, then empty stored deflate blocks (BFINAL 0, LEN 0, NLEN 0xffff) without end:
      // each is 5 bytes on the wire and inflates to nothing.
      const header = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);
      const emptyBlocks = Buffer.alloc(13_107 * 5);
      for (let offset = 0; offset < emptyBlocks.length; offset += 5)
        emptyBlocks.set([0, 0, 0, 0xff, 0xff], offset);
      const started = performance.now();
      const res = await streamAfter(port, header, emptyBlocks, 64 * LIMIT);
      const elapsed = performance.now() - started;
      assert.equal(res.status, 413, res.body);
      assert.equal(JSON.parse(res.body).reasons[0].code, 50000020);
      // The answer comes once the limit is passed, not after the 64 MiB the client would send.
      assert.ok(res.sent < 16 * LIMIT, `the server answered after ${res.sent} bytes`);
      assert.ok(elapsed < 10_000, `took ${elapsed.toFixed(0)} ms`);
    });

    it('answers 400 (category 90) at once to a valid gzip body followed by endless zero bytes', {
      timeout: 30_000,
    }, async () => {
      const { app, clients } = await suite.acme();
      const port = await listen(app);
      const res = await streamAfter(
        port,
        gzipSync(tokenForm(clients.globalAdmin)),
        Buffer.alloc(64 * 1024),
        64 * LIMIT,
      );
      assert.equal(res.status, 400, res.body);
      assert.equal(JSON.parse(res.body).reasons[0].code, 50000090);
      assert.ok(res.sent < 16 * LIMIT, `the server answered after ${res.sent} bytes`);
    });

    it('answers 413 at once for a gzip body whose Content-Length is over the limit', {
      timeout: 30_000,
    }, async () => {
      const { app, clients } = await suite.acme();
      const res = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-encoding': 'gzip',
        },
        payload: Buffer.concat([gzipSync(tokenForm(clients.globalAdmin)), Buffer.alloc(LIMIT + 1)]),
      });
      assert.equal(res.statusCode, 413, res.body);
    });

    for (const [title, trailing, separate] of [
      ['zero bytes', Buffer.alloc(16), false],
      ['zero bytes sent after the stream in a chunk of their own', Buffer.alloc(16), true],
      ['text', Buffer.from('and then some'), false],
    ] as const) {
      it(`answers 400 (category 90) for ${title} after the end of the gzip stream`, {
        timeout: 30_000,
      }, async () => {
        const { app, clients } = await suite.acme();
        const port = await listen(app);
        const gz = gzipSync(tokenForm(clients.globalAdmin));
        const res = separate
          ? await new Promise<{ status: number; body: string }>((resolve, reject) => {
              const req = httpRequest(
                {
                  host: '127.0.0.1',
                  port,
                  method: 'POST',
                  path: '/oauth/token',
                  agent: false,
                  headers: {
                    'content-type': 'application/x-www-form-urlencoded',
                    'content-encoding': 'gzip',
                    'transfer-encoding': 'chunked',
                  },
                },
                (response) => {
                  const chunks: Buffer[] = [];
                  response.on('data', (chunk: Buffer) => chunks.push(chunk));
                  response.on('end', () =>
                    resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
                  );
                },
              );
              req.on('error', reject);
              req.write(gz);
              setTimeout(() => req.end(trailing), 100);
            })
          : await send(port, {
              method: 'POST',
              path: '/oauth/token',
              headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
              body: Buffer.concat([gz, trailing]),
            });
        assert.equal(res.status, 400, res.body);
        assert.equal(JSON.parse(res.body).reasons[0].code, 50000090);
      });
    }

    it('accepts a gzip body of two concatenated members (RFC 1952 2.2)', { timeout: 30_000 }, async () => {
      const { app, clients } = await suite.acme();
      const form = tokenForm(clients.globalAdmin);
      const res = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
        payload: Buffer.concat([gzipSync(form.slice(0, 20)), gzipSync(form.slice(20))]),
      });
      assert.equal(res.statusCode, 200, res.body);
    });

    it('answers an empty gzip body on a bodyless route as no body', { timeout: 30_000 }, async () => {
      const { app, ids, clients } = await suite.acme();
      const res = await app.inject({
        method: 'PUT',
        url: `/v1/entities/${ids.lab}/provision`,
        headers: {
          authorization: `Bearer ${await tokenFor(app, clients.globalAdmin)}`,
          'zuora-entity-ids': ids.global,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': '0',
        },
      });
      assert.equal(res.statusCode, 200, res.body);
    });
  });

  describe(`${database.name}: error messages echo at most a short prefix of a value`, () => {
    const suite = appPerSuite({ database });

    it('answers a 100 kB locale with its first 64 characters and an ellipsis, not the whole value', {
      timeout: 30_000,
    }, async () => {
      const { app, ids, clients } = await suite.acme();
      const locale = `${'x'.repeat(64)}${'y'.repeat(100_000)}`;
      const res = await app.inject({
        method: 'POST',
        url: '/v1/entities',
        headers: {
          authorization: `Bearer ${await tokenFor(app, clients.globalAdmin)}`,
          'zuora-entity-ids': ids.global,
        },
        payload: { name: 'Acme-Long', parentId: ids.global, locale, timezone: 'UTC' },
      });
      assert.equal(res.statusCode, 400, res.body.slice(0, 300));
      assert.ok(res.body.length < 1000, `the answer is ${res.body.length} bytes`);
      const message: string = res.json().reasons[0].message;
      assert.ok(message.includes(`${'x'.repeat(64)}…`), message);
      assert.ok(!message.includes('y'), message);
    });

    it('answers an unknown field with a 100 kB name with a short message naming its prefix', {
      timeout: 30_000,
    }, async () => {
      const { app, ids, clients } = await suite.acme();
      const field = `f${'z'.repeat(100_000)}`;
      for (const name of [field, `a ${field.replaceAll('z', 'z ')}`]) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/entity-connections',
          headers: {
            authorization: `Bearer ${await tokenFor(app, clients.globalAdmin)}`,
            'zuora-entity-ids': ids.global,
            'content-type': 'application/json',
          },
          payload: JSON.stringify({ targetEntityId: ids.us, [name]: 1 }),
        });
        assert.equal(res.statusCode, 400, res.body.slice(0, 300));
        assert.equal(res.json().reasons[0].code, 50000021);
        assert.ok(res.body.length < 1000, `the answer is ${res.body.length} bytes`);
        assert.match(res.json().reasons[0].message, /^Unknown field: .+…/);
      }
    });
  });
}
