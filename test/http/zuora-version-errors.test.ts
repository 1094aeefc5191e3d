/**
 * The Zuora-Version switch on every error path (docs/CONTRACT.md §2, §3): each way a request can fail,
 * answered with its own HTTP status from 2024-05-20 on, and with HTTP 200 and `success: false` (same
 * reason code) before it, whether the old version comes from the header or from the tenant's default.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { acmeFixture, clients, ids } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';

interface Tokens {
  admin: string;
  usAdmin: string;
  standard: string;
}

interface ErrorPath {
  name: string;
  request(tokens: Tokens): InjectOptions;
  status: number;
  code: number;
  /** Whether a valid token names the tenant, so that the tenant's default version can apply. */
  tenantKnown: boolean;
}

const bearer = (token: string, entityId?: string) => ({
  authorization: `Bearer ${token}`,
  ...(entityId ? { 'zuora-entity-ids': entityId } : {}),
});

const paths: ErrorPath[] = [
  {
    name: 'no token',
    request: () => ({ method: 'GET', url: '/v1/entity-connections' }),
    status: 401,
    code: 90000011,
    tenantKnown: false,
  },
  {
    name: 'unknown token',
    request: () => ({ method: 'GET', url: '/v1/entity-connections', headers: bearer('0'.repeat(32)) }),
    status: 401,
    code: 90000011,
    tenantKnown: false,
  },
  {
    name: 'wrong client secret',
    request: () => ({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        client_id: clients.globalAdmin.id,
        client_secret: 'wrong',
        grant_type: 'client_credentials',
      },
    }),
    status: 401,
    code: 90000011,
    tenantKnown: false,
  },
  {
    name: 'missing Zuora-Entity-Ids with several entities in scope',
    request: (t) => ({ method: 'GET', url: '/v1/entity-connections', headers: bearer(t.admin) }),
    status: 400,
    code: 50000023,
    tenantKnown: true,
  },
  {
    name: 'malformed Zuora-Entity-Ids',
    request: (t) => ({ method: 'GET', url: '/v1/entity-connections', headers: bearer(t.admin, 'not-an-id') }),
    status: 400,
    code: 50000020,
    tenantKnown: true,
  },
  {
    name: 'entity outside the token scope',
    request: (t) => ({ method: 'GET', url: '/v1/entity-connections', headers: bearer(t.standard, ids.eu) }),
    status: 403,
    code: 50000010,
    tenantKnown: true,
  },
  {
    name: 'not an administrator of the acting entity',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: bearer(t.standard, ids.us),
      payload: { targetEntityId: ids.global },
    }),
    status: 403,
    code: 50000010,
    tenantKnown: true,
  },
  {
    name: 'missing required field',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: bearer(t.usAdmin),
      payload: {},
    }),
    status: 400,
    code: 50000022,
    tenantKnown: true,
  },
  {
    name: 'unknown field',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: bearer(t.usAdmin),
      payload: { targetEntityId: ids.global, colour: 'blue' },
    }),
    status: 400,
    code: 50000021,
    tenantKnown: true,
  },
  {
    name: 'value too long',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: bearer(t.usAdmin),
      payload: { targetEntityId: 'a'.repeat(33) },
    }),
    status: 400,
    code: 50000020,
    tenantKnown: true,
  },
  {
    name: 'query parameter out of range',
    request: (t) => ({
      method: 'GET',
      url: '/v1/entity-connections?pageSize=301',
      headers: bearer(t.usAdmin),
    }),
    status: 400,
    code: 50000020,
    tenantKnown: true,
  },
  {
    name: 'connection to itself',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: bearer(t.usAdmin),
      payload: { targetEntityId: ids.us },
    }),
    status: 400,
    code: 50000030,
    tenantKnown: true,
  },
  {
    name: 'unknown target entity',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: bearer(t.usAdmin),
      payload: { targetEntityId: 'f'.repeat(32) },
    }),
    status: 404,
    code: 50000040,
    tenantKnown: true,
  },
  {
    name: 'unknown connection',
    request: (t) => ({
      method: 'PUT',
      url: `/v1/entity-connections/${'e'.repeat(32)}/accept`,
      headers: bearer(t.usAdmin),
    }),
    status: 404,
    code: 50000040,
    tenantKnown: true,
  },
  {
    name: 'unknown entity',
    request: (t) => ({ method: 'GET', url: `/v1/entities/${'e'.repeat(32)}`, headers: bearer(t.usAdmin) }),
    status: 404,
    code: 50000040,
    tenantKnown: true,
  },
  {
    name: 'duplicate entity name',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entities',
      headers: bearer(t.admin, ids.global),
      payload: { name: 'Acme-US', parentId: ids.global, locale: 'en_US', timezone: 'UTC' },
    }),
    status: 400,
    code: 50000020,
    tenantKnown: true,
  },
  {
    name: 'unknown user',
    request: (t) => ({
      method: 'GET',
      url: '/v1/users/nobody@acme.test/accessible-entities',
      headers: bearer(t.usAdmin),
    }),
    status: 404,
    code: 50000040,
    tenantKnown: true,
  },
  {
    name: 'malformed JSON',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: { ...bearer(t.usAdmin), 'content-type': 'application/json' },
      payload: '{"targetEntityId":',
    }),
    status: 400,
    code: 50000090,
    tenantKnown: true,
  },
  {
    name: 'corrupt gzip body',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: { ...bearer(t.usAdmin), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: Buffer.from('not gzip at all'),
    }),
    status: 400,
    code: 50000090,
    tenantKnown: true,
  },
  {
    name: 'body inflating past the limit',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: { ...bearer(t.usAdmin), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(Buffer.from(`{"targetEntityId":"${' '.repeat(64 * 1024)}"}`)),
    }),
    status: 413,
    code: 50000020,
    tenantKnown: true,
  },
  {
    name: 'unsupported Content-Encoding',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: { ...bearer(t.usAdmin), 'content-type': 'application/json', 'content-encoding': 'br' },
      payload: '{}',
    }),
    status: 415,
    code: 50000045,
    tenantKnown: true,
  },
  {
    name: 'Idempotency-Key longer than 255 characters',
    request: (t) => ({
      method: 'POST',
      url: '/v1/entity-connections',
      headers: { ...bearer(t.usAdmin), 'idempotency-key': 'k'.repeat(256) },
      payload: { targetEntityId: ids.eu },
    }),
    status: 400,
    code: 50000020,
    tenantKnown: false,
  },
  {
    name: 'invalid Zuora-Track-Id',
    request: (t) => ({
      method: 'GET',
      url: '/v1/entity-connections',
      headers: { ...bearer(t.usAdmin), 'zuora-track-id': 'a:b' },
    }),
    status: 400,
    code: 50000020,
    tenantKnown: false,
  },
  {
    name: 'unknown route',
    request: (t) => ({ method: 'GET', url: '/v1/nothing-here', headers: bearer(t.usAdmin) }),
    status: 404,
    code: 50000040,
    tenantKnown: false,
  },
  {
    name: 'method not allowed',
    request: (t) => ({ method: 'DELETE', url: '/v1/entity-connections', headers: bearer(t.usAdmin) }),
    status: 405,
    code: 50000045,
    tenantKnown: false,
  },
];

async function tokens(app: FastifyInstance): Promise<Tokens> {
  return {
    admin: await tokenFor(app, clients.globalAdmin),
    usAdmin: await tokenFor(app, clients.usAdminSingle),
    standard: await tokenFor(app, clients.standard),
  };
}

function withVersion(options: InjectOptions, version: string | undefined): InjectOptions {
  if (version === undefined) return options;
  return { ...options, headers: { ...(options.headers ?? {}), 'zuora-version': version } };
}

for (const database of testDatabases) {
  describe(`${database.name}: Zuora-Version on every error path`, () => {
    it('answers each error with its status from 2024-05-20 on and with HTTP 200 before it', async (t) => {
      const env = { MULTIENTITY_BODY_LIMIT: String(16 * 1024) };
      const modern = await build(t, { database, env });
      const modernTokens = await tokens(modern.app);
      const legacy = await build(t, { database, env, fixture: acmeFixture({ apiVersion: '211.0' }) });
      const legacyTokens = await tokens(legacy.app);
      const failures: string[] = [];
      const check = async (
        app: FastifyInstance,
        path: ErrorPath,
        options: InjectOptions,
        status: number,
        how: string,
      ) => {
        const response = await app.inject(options);
        const body = response.json();
        const code = body.reasons?.[0]?.code;
        if (response.statusCode !== status || body.success !== false || code !== path.code) {
          failures.push(
            `${path.name} (${how}): expected ${status} ${path.code}, got ${response.statusCode} ${response.body}`,
          );
        }
      };
      for (const path of paths) {
        const request = path.request(modernTokens);
        await check(modern.app, path, request, path.status, 'no header, modern tenant');
        await check(modern.app, path, withVersion(request, '2024-05-20'), path.status, '2024-05-20');
        await check(modern.app, path, withVersion(request, '211.0'), 200, '211.0');
        await check(modern.app, path, withVersion(request, '2024-05-19'), 200, '2024-05-19');
        const legacyRequest = path.request(legacyTokens);
        // The tenant's default applies once a valid token names the tenant; before that it is unknown.
        await check(
          legacy.app,
          path,
          legacyRequest,
          path.tenantKnown ? 200 : path.status,
          'no header, 211.0 tenant',
        );
        await check(
          legacy.app,
          path,
          withVersion(legacyRequest, '2025-01-01'),
          path.status,
          '2025-01-01, 211.0 tenant',
        );
      }
      assert.deepEqual(failures, []);
    });
  });
}
