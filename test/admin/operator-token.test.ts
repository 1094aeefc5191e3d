import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../../src/cli/serve.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

/** Starts `serve` in this process and answers what it printed. */
async function start(t: TestContext, db: string, env: NodeJS.ProcessEnv = {}) {
  let printed = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    const server = await serve({ db, port: '0', logLevel: 'silent' }, env);
    t.after(() => server.close());
    return { server, printed };
  } finally {
    process.stdout.write = write;
  }
}

function printedToken(printed: string): string | undefined {
  return printed.match(/^ {2}Authorization: Bearer (\S+)$/m)?.[1];
}

async function adminStatus(url: string, token: string | undefined): Promise<number> {
  const response = await fetch(`${url}/admin/v1/tenants`, { headers: { authorization: `Bearer ${token}` } });
  return response.status;
}

describe('the operator token on start', () => {
  it('is made on the first start, kept beside the database (0600) and printed again on the next', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'multientity-operator-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'multientity.db');

    const first = await start(t, db);
    const token = printedToken(first.printed);
    assert.ok(token && token.length >= 32, first.printed);
    const file = join(dir, 'operator-token.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { operatorToken: token });
    assert.equal(await adminStatus(first.server.url, token), 200);
    await first.server.close();

    const second = await start(t, db);
    assert.equal(printedToken(second.printed), token);
  });

  it('is new on every start with :memory:, so no two servers share one', async (t) => {
    const one = printedToken((await start(t, ':memory:')).printed);
    const two = printedToken((await start(t, ':memory:')).printed);
    assert.ok(one && two);
    assert.notEqual(one, two);
  });

  it('is MULTIENTITY_OPERATOR_TOKEN when set, and then not printed', async (t) => {
    const token = 'operator-token-from-the-environment';
    const { server, printed } = await start(t, ':memory:', { MULTIENTITY_OPERATOR_TOKEN: token });
    assert.equal(printedToken(printed), undefined);
    assert.ok(!printed.includes(token));
    assert.equal(await adminStatus(server.url, token), 200);
    assert.equal(await adminStatus(server.url, 'another-token-of-enough-length'), 403);
  });
});
