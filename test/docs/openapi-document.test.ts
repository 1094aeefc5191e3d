import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { build } from '../helpers/build.js';

interface Operation {
  operationId?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; example?: unknown; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: object; example?: unknown }> };
  responses: Record<string, { description: string }>;
}

async function openApiDocument() {
  const { app } = await build(undefined);
  try {
    const response = await app.inject('/openapi.json');
    assert.equal(response.statusCode, 200);
    return response.json() as {
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, Record<string, unknown>> };
      security: Record<string, string[]>[];
    };
  } finally {
    await app.close();
  }
}

const operations = (doc: Awaited<ReturnType<typeof openApiDocument>>) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      operation,
    })),
  );

describe('/openapi.json: what the /docs page shows', () => {
  it('declares the client credentials flow on /oauth/token, and Zuora-Entity-Ids as a header set once', async () => {
    const doc = await openApiDocument();
    assert.deepEqual(doc.components.securitySchemes.oauth2?.flows, {
      clientCredentials: { tokenUrl: '/oauth/token', scopes: {} },
    });
    assert.deepEqual(
      {
        type: doc.components.securitySchemes.entityIds?.type,
        in: doc.components.securitySchemes.entityIds?.in,
      },
      { type: 'apiKey', in: 'header' },
    );
    assert.equal(doc.components.securitySchemes.entityIds?.name, 'Zuora-Entity-Ids');
    assert.deepEqual(doc.security, [
      { oauth2: [], entityIds: [] },
      { bearerAuth: [], entityIds: [] },
    ]);
    const perOperation = operations(doc).filter(({ operation }) =>
      operation.parameters?.some((p) => p.in === 'header' && p.name.toLowerCase() === 'zuora-entity-ids'),
    );
    assert.deepEqual(
      perOperation.map((o) => o.name),
      [],
    );
  });

  it('gives every operation a unique operationId, a description and named success responses', async () => {
    const doc = await openApiDocument();
    const all = operations(doc);
    assert.ok(all.length >= 40, `${all.length} operations`);
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const { name, operation } of all) {
      if (!operation.operationId) problems.push(`${name}: no operationId`);
      else if (seen.has(operation.operationId))
        problems.push(`${name}: operationId ${operation.operationId} twice`);
      seen.add(operation.operationId ?? '');
      if (!operation.description || operation.description.length < 10)
        problems.push(`${name}: no description`);
      const successes = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      if (successes.length === 0) problems.push(`${name}: no success response`);
      for (const [status, response] of successes) {
        if (response.description === 'Default Response')
          problems.push(`${name}: ${status} is "Default Response"`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('gives every request body and path parameter an example that fits its schema', async () => {
    const doc = await openApiDocument();
    const ajv = new Ajv({ strict: false, allErrors: true });
    // ajv-formats is CommonJS with its function on `default` (as in test/contract/zuora-schemas.test.ts).
    (addFormatsPlugin as unknown as { default: (ajv: Ajv) => Ajv }).default(ajv);
    const problems: string[] = [];
    for (const { name, operation } of operations(doc)) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'path' && (parameter.example === undefined || parameter.example === 'string')) {
          problems.push(`${name}: path parameter ${parameter.name} has no example`);
        }
      }
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        if (media.example === undefined) {
          problems.push(`${name}: ${type} body has no example`);
          continue;
        }
        if (type === 'application/json' && !ajv.validate(media.schema, media.example)) {
          problems.push(`${name}: the example does not fit: ${ajv.errorsText()}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('names the demo tenant in its examples: the target of a connection is one of its entities', async () => {
    const doc = await openApiDocument();
    const post = doc.paths['/v1/entity-connections']?.post;
    const example = post?.requestBody?.content['application/json']?.example as { targetEntityId?: string };
    assert.match(example?.targetEntityId ?? '', /^[0-9a-f]{32}$/);
    assert.notEqual(example?.targetEntityId, 'string');
  });
});
