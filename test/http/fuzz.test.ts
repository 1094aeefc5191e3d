import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { OPERATOR_TOKEN } from '../admin/admin-helpers.js';
import { build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { clients, ids } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';
import { listen, parseResponse, rawExchange, type WireResponse } from './wire.js';

/**
 * A seeded fuzz campaign: malformed requests to every route (bodies, headers, path parameters,
 * query strings, encodings) through app.inject, and malformed HTTP over a raw socket. Whatever is
 * sent, no answer is a 5xx, every error is Zuora's envelope with a Zuora-Request-Id, and the server
 * still serves afterwards.
 *
 * MULTIENTITY_FUZZ_SEED=<n> replays a run (a failure prints its seed); MULTIENTITY_FUZZ_RUNS sets
 * how many requests of each kind (default 250 structured, 60 raw per database).
 */
const seed = Number(process.env.MULTIENTITY_FUZZ_SEED ?? Date.now() % 2_147_483_647);
const runs = Number(process.env.MULTIENTITY_FUZZ_RUNS ?? 250);
const rawRuns = Math.max(1, Math.round(runs / 4));

function withSeed<T>(run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`fuzz failed with seed ${seed}: replay with MULTIENTITY_FUZZ_SEED=${seed}\n${message}`, {
      cause: error,
    });
  });
}

/** Route templates of the OpenAPI document, and the few hidden ones. */
function templates(app: FastifyInstance): { method: string; path: string }[] {
  const document = app.swagger() as { paths: Record<string, Record<string, unknown>> };
  const listed = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })),
  );
  return [
    ...listed,
    { method: 'GET', path: '/health' },
    { method: 'GET', path: '/ready' },
    { method: 'GET', path: '/openapi.json' },
    { method: 'GET', path: '/docs/static/{file}' },
  ];
}

const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '%', '%ff', '%00', '..', '../..', '\u0000', 'null', '-1', '1e999', '0x10', 'true'),
  fc.string({ minLength: 60, maxLength: 200 }),
);

const knownIds = fc.constantFrom<string>(
  ids.global,
  ids.us,
  ids.lab,
  ids.tenant,
  'admin@acme.test',
  clients.usAdmin.id,
  '8a808255-557b-aba1-0155-80e12fa5083a',
);

/** A path parameter: a real id, junk, or junk percent-encoded (which the router decodes). */
const parameter = fc.oneof(
  knownIds,
  junk.map((value) => encodeURIComponent(value)),
  fc.constantFrom('%ff', '%', '%2F', '%00', 'a'.repeat(101)),
);

const headerValue = fc.oneof(
  junk.filter((value) => /^[\t\x20-\x7e\x80-\xff]*$/.test(value)),
  fc.constantFrom(
    'application/json',
    'gzip',
    'identity',
    'br',
    '2024-05-20',
    '211.0',
    '186.0',
    'Basic',
    'Bearer',
  ),
);

function headersArbitrary(token: string) {
  return fc.record(
    {
      authorization: fc.oneof(
        fc.constant(`Bearer ${token}`),
        fc.constant(`Bearer ${OPERATOR_TOKEN}`),
        fc.constant(
          `Basic ${Buffer.from(`${clients.usAdmin.id}:${clients.usAdmin.secret}`).toString('base64')}`,
        ),
        headerValue.map((value) => `Basic ${value}`),
        headerValue.map((value) => `Bearer ${value}`),
        headerValue,
      ),
      'zuora-entity-ids': fc.oneof(knownIds, headerValue),
      'zuora-version': headerValue,
      'zuora-track-id': headerValue,
      'idempotency-key': headerValue,
      'content-type': fc.oneof(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'application/x-www-form-urlencoded',
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          '',
        ),
        headerValue,
      ),
      'content-encoding': fc.constantFrom('gzip', 'x-gzip', 'identity', 'br', 'deflate', ''),
      'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', '*'),
      entityId: headerValue,
    },
    { requiredKeys: [] },
  );
}

const jsonBody = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc
    .record(
      {
        name: junk,
        displayName: junk,
        parentId: fc.oneof(knownIds, junk),
        locale: junk,
        timezone: junk,
        targetEntityId: fc.oneof(knownIds, junk),
        targetEntityIds: fc.array(fc.oneof(knownIds, junk), { maxLength: 4 }),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc.nat({ max: 2000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
);

const body = fc.oneof(
  fc.constant(undefined),
  fc.constant(''),
  jsonBody,
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  jsonBody.map((text) => gzipSync(text)),
  jsonBody.map((text) => gzipSync(text).subarray(0, 12)),
  jsonBody.map((text) => Buffer.concat([gzipSync(text), Buffer.from([0, 0, 0])])),
  fc
    .dictionary(fc.constantFrom('client_id', 'client_secret', 'grant_type', 'x'), junk, { maxKeys: 4 })
    .map((form) => new URLSearchParams(form).toString()),
);

const query = fc
  .dictionary(fc.oneof(fc.constantFrom('page', 'pageSize', 'type', 'provisioned', 'limit'), junk), junk, {
    maxKeys: 3,
  })
  .map((entries) => new URLSearchParams(entries).toString());

/** Zuora's envelope, and a Zuora-Request-Id, on an error (an HTTP error status, or success:false). */
function assertAnswer(
  what: string,
  status: number,
  headers: Record<string, unknown>,
  text: string | undefined,
) {
  assert.ok(status < 500, `${what}: ${status} ${text?.slice(0, 300)}`);
  assert.match(String(headers['zuora-request-id']), /^[0-9a-f-]{36}$/, `${what}: no Zuora-Request-Id`);
  if (text === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const failure = (parsed as { success?: unknown } | undefined)?.success === false;
  if (status < 400 && !failure) return;
  assert.match(String(headers['content-type']), /^application\/json/, `${what}: ${text.slice(0, 200)}`);
  const envelope = parsed as {
    success: boolean;
    processId: string;
    reasons: { code: number; message: string }[];
  };
  assert.deepEqual(Object.keys(envelope).sort(), ['processId', 'reasons', 'success'], `${what}: ${text}`);
  assert.match(envelope.processId, /^[0-9A-F]{16}$/);
  assert.equal(envelope.reasons.length, 1);
  assert.equal(typeof envelope.reasons[0]?.code, 'number');
  assert.ok(
    (envelope.reasons[0]?.message.length ?? 0) <= 401,
    `${what}: a message of ${envelope.reasons[0]?.message.length}`,
  );
}

/** Raw HTTP messages: request lines, header lines and bodies, valid and not, put together. */
const rawMessage = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'BREW', ''),
    path: fc.oneof(
      fc.constantFrom(
        '/health',
        '/oauth/token',
        '/v1/entities',
        `/v1/entities/${ids.us}`,
        '/v1/entity-connections',
        '*',
        '/%ff',
        '//',
      ),
      junk.map((value) => `/${value.replace(/[\s]/g, '')}`),
    ),
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 ', ''),
    host: fc.constantFrom('Host: 127.0.0.1\r\n', '', 'Host: a\r\nHost: b\r\n', 'Host : x\r\n'),
    headers: fc.array(
      fc.oneof(
        fc.constantFrom(
          'Content-Length: 0\r\n',
          'Content-Length: 5\r\n',
          'Content-Length: -1\r\n',
          'Content-Length: 1\r\nContent-Length: 2\r\n',
          'Transfer-Encoding: chunked\r\n',
          'Transfer-Encoding: gzip, chunked\r\n',
          'Transfer-Encoding: identity\r\n',
          'Content-Type: application/json\r\n',
          'Content-Encoding: gzip\r\n',
          'Expect: 100-continue\r\n',
          'Expect: foo\r\n',
          'X-Folded: a\r\n b\r\n',
          'X-Bare: lf\n',
          'No-Colon\r\n',
          'Connection: keep-alive\r\n',
          `X-Big: ${'b'.repeat(17 * 1024)}\r\n`,
          `Authorization: Bearer ${OPERATOR_TOKEN}\r\n`,
        ),
        headerValue.map((value) => `X-Junk: ${value.replace(/[\r\n]/g, '')}\r\n`),
      ),
      { maxLength: 5 },
    ),
    body: fc.oneof(
      fc.constantFrom('', '0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', '{}', '{"a":', 'hello'),
      fc.string({ maxLength: 50 }),
    ),
  })
  .map(
    ({ method, path, version, host, headers, body }) =>
      `${method} ${path} ${version}\r\n${host}${headers.join('')}Connection: close\r\n\r\n${body}`,
  );

/** Every complete final response in raw bytes (they carry Content-Length); 100 Continue is interim. */
function responses(raw: string): WireResponse[] {
  const found: WireResponse[] = [];
  let rest = raw;
  while (rest.startsWith('HTTP/')) {
    const res = parseResponse(rest);
    const head = rest.indexOf('\r\n\r\n') + 4;
    if (res.status >= 100 && res.status < 200) {
      rest = rest.slice(head);
      continue;
    }
    found.push(res);
    const length = res.headers['content-length'];
    if (length === undefined) break;
    rest = rest.slice(head + Number(length));
  }
  return found;
}

for (const database of testDatabases) {
  describe(`${database.name}: fuzz (seed ${seed})`, () => {
    it(`answers ${runs} malformed requests to every route without a 5xx, each error in the envelope`, {
      timeout: 120_000,
    }, async (t) => {
      const { app } = await build(t, { database, env: { MULTIENTITY_OPERATOR_TOKEN: OPERATOR_TOKEN } });
      const token = await tokenFor(app, clients.globalAdmin);
      const routes = templates(app);
      const request = fc.record({
        route: fc.constantFrom(...routes),
        method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), {
          freq: 4,
        }),
        parameters: fc.array(parameter, { minLength: 3, maxLength: 3 }),
        query,
        headers: headersArbitrary(token),
        body,
      });
      await withSeed(() =>
        fc.assert(
          fc.asyncProperty(request, async ({ route, method, parameters, query, headers, body }) => {
            let index = 0;
            const path = route.path.replace(
              /\{[^}]+\}/g,
              () => parameters[index++ % parameters.length] ?? '',
            );
            const url = query ? `${path}?${query}` : path;
            const res = await app.inject({
              method: (method ?? route.method) as 'GET',
              url,
              headers: headers as Record<string, string>,
              ...(body === undefined ? {} : { payload: body }),
            });
            const verb = method ?? route.method;
            // A HEAD answer has no body to check; a gzipped one is checked inflated.
            const text =
              res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.rawPayload).toString() : res.body;
            assertAnswer(`${verb} ${url}`, res.statusCode, res.headers, verb === 'HEAD' ? undefined : text);
          }),
          { seed, numRuns: runs, endOnFailure: true },
        ),
      );
      const health = await app.inject({ method: 'GET', url: '/health' });
      assert.equal(health.statusCode, 200);
    });

    it(`answers ${rawRuns} malformed HTTP messages over a raw socket without a 5xx, each in the envelope, and serves after`, {
      timeout: 120_000,
    }, async (t) => {
      const { app } = await build(t, { database, env: { MULTIENTITY_OPERATOR_TOKEN: OPERATOR_TOKEN } });
      const port = await listen(app);
      await withSeed(() =>
        fc.assert(
          fc.asyncProperty(rawMessage, async (message) => {
            const raw = await rawExchange(port, message, 10_000, { end: true });
            // A HEAD answer names its Content-Length but sends no body.
            const head = message.startsWith('HEAD ');
            for (const res of head ? responses(raw).slice(0, 1) : responses(raw)) {
              const body = head ? undefined : res.body;
              assertAnswer(JSON.stringify(message.slice(0, 120)), res.status, res.headers, body);
            }
          }),
          { seed, numRuns: rawRuns, endOnFailure: true },
        ),
      );
      const after = parseResponse(
        await rawExchange(port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
      );
      assert.equal(after.status, 200);
    });
  });
}
