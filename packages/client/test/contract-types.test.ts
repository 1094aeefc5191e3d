import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startMultientity } from '../../../src/testing/index.js';
import { generatedPath, renderContractTypes } from '../scripts/generate-contract.js';
import { OPERATIONS } from '../src/operations.js';

// The client's types and paths are the server's: the generated types are what the TypeBox schemas
// make now, and every operation's method and path is in the server's /openapi.json.
describe('the client and the server contract', { timeout: 30_000 }, () => {
  it('has the wire types the TypeBox schemas of src/contract make now (npm run build regenerates them)', () => {
    assert.equal(
      readFileSync(generatedPath, 'utf8'),
      renderContractTypes(),
      'packages/client/src/contract.generated.ts is stale: run npm run build and commit it',
    );
  });

  it("calls each operation with the method and path of the server's OpenAPI document", async () => {
    const me = await startMultientity();
    try {
      const document = (await (await fetch(`${me.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { operationId?: string }>>;
      };
      const served = new Map<string, string>();
      for (const [path, methods] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          served.set(`${method.toUpperCase()} ${path}`, operation.operationId ?? '');
        }
      }
      for (const [operationId, [method, path]] of Object.entries(OPERATIONS)) {
        const found = served.get(`${method} ${path}`);
        assert.ok(found !== undefined, `${operationId}: ${method} ${path} is not in /openapi.json`);
        if (!operationId.startsWith('Admin_') || found.startsWith('Admin_')) {
          assert.equal(found, operationId, `${method} ${path}`);
        }
      }
      // And the other way: every Zuora operation the server documents is one the client has.
      const zuora = [...served.values()].filter((id) => id !== '' && !id.startsWith('Admin_'));
      assert.deepEqual(
        zuora.sort(),
        Object.keys(OPERATIONS)
          .filter((id) => !id.startsWith('Admin_'))
          .sort(),
      );
      assert.equal(zuora.length, 16);
    } finally {
      await me.stop();
    }
  });
});
