import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { OPERATOR_TOKEN } from '../admin/admin-helpers.js';
import { appPerSuite, build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { clients, ids } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';
import { listen, send, type WireResponse } from './wire.js';

interface Operation {
  method: string;
  path: string;
  takesBody: boolean;
  admin: boolean;
}

/**
 * Every operation of the OpenAPI document, with path parameters that name nothing: each answers
 * from its handler (404, or a missing field) without changing anything, so the same request can be
 * sent again and again and must get the same answer.
 */
function operations(app: FastifyInstance): Operation[] {
  const document = app.swagger() as {
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
  };
  const unknown: Record<string, string> = {
    id: 'ffffffffffffffffffffffffffffffff',
    'connection-id': 'ffffffffffffffffffffffffffffffff',
    username: 'nobody@acme.test',
    tenantId: '9999',
    userId: 'ffffffffffffffffffffffffffffffff',
    clientId: 'ffffffff-ffff-4fff-8fff-ffffffffffff',
    ruleId: '999999',
  };
  return Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path: template.replace(/\{([^}]+)\}/g, (_all, name: string) =>
        encodeURIComponent(unknown[name] ?? 'x'),
      ),
      takesBody: operation.requestBody !== undefined,
      admin: template.startsWith('/admin/'),
    })),
  );
}

const reason = (res: { body: string }) => {
  try {
    return JSON.parse(res.body).reasons?.[0]?.code as number | undefined;
  } catch {
    return undefined;
  }
};

const FRAMINGS = [
  { title: 'Content-Length: 0', chunked: false },
  { title: 'chunked encoding of nothing', chunked: true },
] as const;

const CONTENT_TYPES = [
  { title: 'with Content-Type: application/json', headers: { 'content-type': 'application/json' } },
  {
    title: 'with Content-Type: application/json; charset=utf-8',
    headers: { 'content-type': 'application/json; charset=utf-8' },
  },
  { title: 'without Content-Type', headers: {} },
] as const;

for (const database of testDatabases) {
  describe(`${database.name}: an empty body is no body, whatever its declared type`, () => {
    const suite = appPerSuite({ database });

    it('answers every operation sent an empty body as it answers one sent no body (bodyless routes) or {} (routes that take one)', {
      timeout: 60_000,
    }, async (t) => {
      const { app } = await build(t, { database, env: { MULTIENTITY_OPERATOR_TOKEN: OPERATOR_TOKEN } });
      const bearer = `Bearer ${await tokenFor(app, clients.globalAdmin)}`;
      const port = await listen(app);
      const list = operations(app);
      assert.ok(list.length >= 40, `only ${list.length} operations in the OpenAPI document`);
      for (const operation of list) {
        const auth: Record<string, string> = operation.admin
          ? { authorization: `Bearer ${OPERATOR_TOKEN}` }
          : { authorization: bearer, 'zuora-entity-ids': ids.global };
        // What the route answers without any body, or with an empty JSON object.
        const expected = await app.inject({
          method: operation.method as 'GET',
          url: operation.path,
          headers: operation.takesBody ? { ...auth, 'content-type': 'application/json' } : auth,
          ...(operation.takesBody ? { payload: '{}' } : {}),
        });
        assert.ok(expected.statusCode < 500, `${operation.method} ${operation.path}: ${expected.body}`);
        for (const framing of FRAMINGS) {
          for (const contentType of CONTENT_TYPES) {
            const res: WireResponse = await send(port, {
              method: operation.method,
              path: operation.path,
              headers: { ...auth, ...contentType.headers },
              chunked: framing.chunked,
            });
            const what = `${operation.method} ${operation.path} ${contentType.title}, ${framing.title}`;
            assert.equal(res.status, expected.statusCode, `${what}: ${res.body}, expected ${expected.body}`);
            assert.equal(reason(res), reason(expected), `${what}: ${res.body}`);
          }
        }
      }
    });

    it('answers a route that takes a body, sent an empty one, with its ordinary missing-field 400 (category 22)', {
      timeout: 30_000,
    }, async () => {
      const { app, ids, clients } = await suite.acme();
      const headers = {
        authorization: `Bearer ${await tokenFor(app, clients.globalAdmin)}`,
        'zuora-entity-ids': ids.global,
        'content-type': 'application/json',
      };
      const port = await listen(app);
      const cases = [
        { method: 'POST', path: '/v1/entities', field: 'name' },
        { method: 'POST', path: '/v1/entity-connections', field: 'targetEntityId' },
        { method: 'PUT', path: '/v1/users/admin%40acme.test/request-access', field: 'targetEntityIds' },
        { method: 'POST', path: '/oauth/token', field: 'client_id' },
      ];
      for (const { method, path, field } of cases) {
        for (const chunked of [false, true]) {
          const res = await send(port, { method, path, headers, chunked });
          assert.equal(res.status, 400, `${method} ${path}: ${res.body}`);
          assert.equal(reason(res), 50000022, `${method} ${path}: ${res.body}`);
          assert.match(JSON.parse(res.body).reasons[0].message, new RegExp(field));
        }
      }
    });

    it('provisions, accepts, disconnects and deletes as a generated Zuora client calls them: Content-Type: application/json and no body', {
      timeout: 30_000,
    }, async () => {
      const { app, ids, clients } = await suite.acme();
      const token = `Bearer ${await tokenFor(app, clients.globalAdmin)}`;
      const port = await listen(app);
      const json = (entity: string) => ({
        authorization: token,
        'zuora-entity-ids': entity,
        'content-type': 'application/json',
      });

      const created = await send(port, {
        method: 'POST',
        path: '/v1/entity-connections',
        headers: json(ids.global),
        body: JSON.stringify({ targetEntityId: ids.us }),
      });
      assert.equal(created.status, 200, created.body);
      const connectionId = JSON.parse(created.body).id as string;

      const calls = [
        { method: 'PUT', path: `/v1/entity-connections/${connectionId}/accept`, entity: ids.us },
        { method: 'PUT', path: `/v1/entity-connections/${connectionId}/disconnect`, entity: ids.us },
        { method: 'PUT', path: `/v1/entities/${ids.lab}/provision`, entity: ids.global },
      ];
      for (const { method, path, entity } of calls) {
        const res = await send(port, { method, path, headers: json(entity) });
        assert.equal(res.status, 200, `${method} ${path}: ${res.body}`);
        assert.deepEqual(JSON.parse(res.body), { success: true });
      }
      const connection = await app.inject({
        method: 'GET',
        url: '/v1/entity-connections?type=outbound',
        headers: { authorization: token, 'zuora-entity-ids': ids.global },
      });
      assert.equal(connection.json().entityConnections[0].status, 'Disconnected');

      const entity = await app.inject({
        method: 'POST',
        url: '/v1/entities',
        headers: json(ids.global),
        payload: { name: 'Acme-Temp', parentId: ids.global, locale: 'en_US', timezone: 'UTC' },
      });
      assert.equal(entity.statusCode, 200, entity.body);
      const deleted = await send(port, {
        method: 'DELETE',
        path: `/v1/entities/${entity.json().id}`,
        headers: json(ids.global),
        chunked: true,
      });
      assert.equal(deleted.status, 200, deleted.body);
      const gone = await app.inject({
        method: 'GET',
        url: `/v1/entities/${entity.json().id}`,
        headers: { authorization: token, 'zuora-entity-ids': ids.global },
      });
      assert.equal(gone.statusCode, 404);
    });

    it('still answers a body that is not JSON with 400 (category 90), and a non-empty body of an unsupported type with 415', {
      timeout: 30_000,
    }, async () => {
      const { app, ids, clients } = await suite.acme();
      const port = await listen(app);
      const headers = {
        authorization: `Bearer ${await tokenFor(app, clients.globalAdmin)}`,
        'zuora-entity-ids': ids.us,
      };
      const path = `/v1/entity-connections/ffffffffffffffffffffffffffffffff/accept`;
      const malformed = await send(port, {
        method: 'PUT',
        path,
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{',
      });
      assert.equal(malformed.status, 400);
      assert.equal(reason(malformed), 50000090);
      const text = await send(port, {
        method: 'PUT',
        path,
        headers: { ...headers, 'content-type': 'application/xml' },
        body: '<x/>',
      });
      assert.equal(text.status, 415);
      assert.equal(reason(text), 50000045);
      const emptyText = await send(port, {
        method: 'PUT',
        path,
        headers: { ...headers, 'content-type': 'application/xml' },
      });
      assert.equal(emptyText.status, 404, emptyText.body);
    });
  });
}
