/**
 * Holds the server against Zuora's own schemas (test/fixtures/zuora-multi-entity.json, copied from
 * Zuora's Swagger spec): every Zuora operation, path and parameter appears in our OpenAPI document,
 * and every success response of every operation validates against Zuora's response schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { acmeFixture, clients, ids } from '../helpers/fixtures.js';
import { describe, it } from '../helpers/node-test.js';

interface ZuoraParameter {
  name: string;
  in: 'header' | 'query' | 'path' | 'formData';
  required: boolean;
  type?: string;
}
interface ZuoraOperation {
  operationId: string;
  method: string;
  path: string;
  parameters: ZuoraParameter[];
  requestBody: { properties: Record<string, { type: string }>; required?: string[] } | null;
  responseSchema: Record<string, unknown> | null;
}

const facts = JSON.parse(
  readFileSync(new URL('../fixtures/zuora-multi-entity.json', import.meta.url), 'utf8'),
) as { operations: ZuoraOperation[] };

interface OpenApiParameter {
  name: string;
  in: string;
}
interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, { type?: unknown }> } }> };
}

async function openApiDocument(app: FastifyInstance) {
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(response.statusCode, 200);
  return response.json() as { paths: Record<string, Record<string, OpenApiOperation>> };
}

/**
 * Zuora's 2017 Swagger cannot say "nullable", yet docs/CONTRACT.md §1 (and Zuora's API) give the global
 * entity `parentId: null`: allow null there and nowhere else.
 */
function allowNullParentId(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(allowNullParentId);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value && typeof value === 'object' && 'parentId' in value) {
      const properties = { ...(value as Record<string, unknown>) };
      properties.parentId = { type: ['string', 'null'] };
      out[key] = allowNullParentId(properties);
    } else {
      out[key] = allowNullParentId(value);
    }
  }
  return out;
}

describe("the OpenAPI document against Zuora's operations", () => {
  it('lists every Zuora operation with its operationId at its method and path', async (t) => {
    const { app } = await build(t);
    const doc = await openApiDocument(app);
    for (const op of facts.operations) {
      const ours = doc.paths[op.path]?.[op.method.toLowerCase()];
      assert.ok(ours, `${op.method} ${op.path} is missing`);
      assert.equal(ours.operationId, op.operationId, `${op.method} ${op.path}`);
    }
  });

  it("names every parameter of Zuora's where Zuora puts it", async (t) => {
    const { app } = await build(t);
    const doc = await openApiDocument(app);
    for (const op of facts.operations) {
      const ours = doc.paths[op.path]?.[op.method.toLowerCase()];
      assert.ok(ours, `${op.method} ${op.path} is missing`);
      for (const param of op.parameters) {
        if (param.in === 'formData') {
          const form =
            ours.requestBody?.content['application/x-www-form-urlencoded']?.schema.properties ?? {};
          assert.ok(param.name in form, `${op.operationId}: form field ${param.name}`);
          continue;
        }
        // Header names are case-insensitive on the wire; path and query names are not.
        const same = (p: OpenApiParameter) =>
          p.in === param.in &&
          (param.in === 'header' ? p.name.toLowerCase() === param.name.toLowerCase() : p.name === param.name);
        assert.ok(ours.parameters?.some(same), `${op.operationId}: ${param.in} parameter ${param.name}`);
      }
    }
  });

  it("accepts every request body field of Zuora's with Zuora's type", async (t) => {
    const { app } = await build(t);
    const doc = await openApiDocument(app);
    for (const op of facts.operations.filter((o) => o.requestBody)) {
      const ours = doc.paths[op.path]?.[op.method.toLowerCase()];
      const properties = ours?.requestBody?.content['application/json']?.schema.properties ?? {};
      for (const [field, definition] of Object.entries(op.requestBody?.properties ?? {})) {
        assert.ok(field in properties, `${op.operationId}: body field ${field}`);
        assert.equal(properties[field]?.type, definition.type, `${op.operationId}: type of ${field}`);
      }
    }
  });
});

for (const database of testDatabases) {
  describe(`${database.name}: every success response against Zuora's response schema`, () => {
    it('validates the 200 body of all 16 operations', async (t) => {
      const fixture = acmeFixture();
      const acme = fixture.tenants[0] as { users: unknown[] };
      // A user homed in Acme-US with no other access, for the user-access life cycle.
      acme.users.push({ username: 'new-hire@acme.test', homeEntity: 'Acme-US' });
      const { app } = await build(t, { database, fixture });
      const ajv = new Ajv({ strict: false, allErrors: true });
      // ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
      const addFormats = addFormatsPlugin as unknown as { default: (ajv: Ajv) => Ajv };
      addFormats.default(ajv);
      const seen = new Map<string, unknown>();

      const token = async (client: { id: string; secret: string }) => {
        const response = await app.inject({
          method: 'POST',
          url: '/oauth/token',
          payload: { client_id: client.id, client_secret: client.secret, grant_type: 'client_credentials' },
        });
        assert.equal(response.statusCode, 200, response.body);
        seen.set('createToken', response.json());
        return response.json().access_token as string;
      };
      const call = async (
        operationId: string,
        bearer: string,
        entityId: string,
        method: 'GET' | 'POST' | 'PUT' | 'DELETE',
        url: string,
        payload?: object,
      ) => {
        const response = await app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${bearer}`, 'zuora-entity-ids': entityId },
          ...(payload ? { payload } : {}),
        });
        assert.equal(response.statusCode, 200, `${operationId}: ${response.body}`);
        assert.equal(response.json().success, true, operationId);
        seen.set(operationId, response.json());
        return response.json();
      };

      const admin = await token(clients.globalAdmin);
      const usAdmin = await token(clients.usAdmin);
      const euAdmin = await token(clients.euAdmin);

      const created = await call('POST_Entities', admin, ids.global, 'POST', '/v1/entities', {
        name: 'Acme-Canada',
        parentId: ids.global,
        locale: 'en_CA',
        timezone: 'America/Toronto',
      });
      await call('GET_Entities', admin, ids.global, 'GET', '/v1/entities?provisioned=true');
      await call('GET_EntityById', admin, ids.global, 'GET', `/v1/entities/${created.id}`);
      await call('PUT_Entities', admin, ids.global, 'PUT', `/v1/entities/${created.id}`, {
        displayName: 'Canada',
      });
      await call('PUT_ProvisionEntity', admin, ids.global, 'PUT', `/v1/entities/${created.id}/provision`);
      const lab = await call('POST_Entities', admin, ids.global, 'POST', '/v1/entities', {
        name: 'Acme-Sandbox',
        parentId: ids.global,
        locale: 'en_US',
        timezone: 'UTC',
      });
      await call('DELETE_Entities', admin, ids.global, 'DELETE', `/v1/entities/${lab.id}`);

      const first = await call(
        'POST_EntityConnections',
        admin,
        ids.global,
        'POST',
        '/v1/entity-connections',
        {
          targetEntityId: ids.eu,
        },
      );
      await call(
        'PUT_EntityConnectionsAccept',
        admin,
        ids.eu,
        'PUT',
        `/v1/entity-connections/${first.id}/accept`,
      );
      await call(
        'PUT_EntityConnectionsDisconnect',
        admin,
        ids.global,
        'PUT',
        `/v1/entity-connections/${first.id}/disconnect`,
      );
      const second = await call(
        'POST_EntityConnections',
        admin,
        ids.global,
        'POST',
        '/v1/entity-connections',
        {
          targetEntityId: ids.apac,
        },
      );
      await call(
        'PUT_EntityConnectionsDeny',
        admin,
        ids.apac,
        'PUT',
        `/v1/entity-connections/${second.id}/deny`,
      );
      await call('POST_EntityConnections', admin, ids.global, 'POST', '/v1/entity-connections', {
        targetEntityId: ids.us,
      });
      const list = await call(
        'GET_EntityConnections',
        admin,
        ids.global,
        'GET',
        '/v1/entity-connections?pageSize=1',
      );
      assert.equal(list.entityConnections.length, 1);
      assert.equal(typeof list.nextPage, 'string', 'a nextPage URL is validated too');

      const user = '/v1/users/new-hire@acme.test';
      await call('PUT_SendUserAccessRequests', usAdmin, ids.us, 'PUT', `${user}/request-access`, {
        targetEntityIds: [ids.eu],
      });
      await call('PUT_AcceptUserAccess', euAdmin, ids.eu, 'PUT', `${user}/accept-access`);
      await call('GET_EntitiesUserAccessible', usAdmin, ids.us, 'GET', `${user}/accessible-entities`);
      await call('PUT_DenyUserAccess', euAdmin, ids.eu, 'PUT', `${user}/deny-access`);

      for (const op of facts.operations) {
        assert.ok(seen.has(op.operationId), `${op.operationId} was not exercised`);
        assert.ok(op.responseSchema, `${op.operationId} has a response schema`);
        const validate = ajv.compile(allowNullParentId(op.responseSchema) as object);
        assert.ok(
          validate(seen.get(op.operationId)),
          `${op.operationId}: ${ajv.errorsText(validate.errors)}`,
        );
      }
    });
  });
}
