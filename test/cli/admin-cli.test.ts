import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from '../helpers/node-test.js';
import { buildCli, type CliRun, runCli, type ServerProcess, startServer } from '../helpers/server-process.js';

let dir: string;
let db: string;
let server: ServerProcess;

before(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'multientity-admin-cli-'));
  db = join(dir, 'multientity.db');
  // No MULTIENTITY_OPERATOR_TOKEN: serve makes one and keeps it beside the database, where the
  // CLI finds it through --db.
  server = await startServer({ args: ['--port', '0', '--db', db, '--log-level', 'silent'] });
});

after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `multientity admin <args>` against the test's server, finding the token beside --db. */
function adminCli(...args: string[]): Promise<CliRun> {
  return runCli({ command: 'admin', args: ['--url', server.url, '--db', db, ...args] });
}

/** A run that succeeded, and its printed JSON. */
// biome-ignore lint/suspicious/noExplicitAny: answers of many shapes, read as response.json() is
function answer(run: CliRun): any {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

function writeJson(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

const shopTenant = {
  name: 'Shop',
  idSeed: 'admin-cli',
  entities: [
    {
      name: 'Global',
      locale: 'en_US',
      timezone: 'GMT',
      children: [{ name: 'Shop-US', locale: 'en_US', timezone: 'America/New_York' }],
    },
  ],
  users: [
    {
      username: 'admin@shop.test',
      homeEntity: 'Global',
      access: { Global: 'Administrator', 'Shop-US': 'Administrator' },
      clients: [{ entities: ['Global', 'Shop-US'] }],
    },
  ],
};

// The first test runs a dozen CLI processes one after another; the others, each on its own, run
// beside it (none creates or deletes a tenant the first one lists).
describe('multientity admin', { concurrency: true }, () => {
  // A dozen CLI processes one after another: several seconds each on a loaded machine.
  it('creates, lists, moves the clock of, faults, journals, resets and deletes a tenant', {
    timeout: 300_000,
  }, async () => {
    const created = answer(await adminCli('tenants', 'create', writeJson('tenant.json', shopTenant)));
    assert.match(created.id, /^\d+$/);
    assert.equal(created.idSeed, 'admin-cli');
    const [client] = created.clients;
    assert.ok(client?.clientSecret);

    const listed = answer(await adminCli('tenants', 'list'));
    assert.ok(listed.tenants.some((t: { id: string }) => t.id === created.id));

    const set = answer(await adminCli('clock', 'set', created.id, '2030-01-01T00:00:00Z', '--freeze'));
    assert.equal(set.time, '2030-01-01T00:00:00.000Z');
    assert.equal(set.frozen, true);
    const advanced = answer(await adminCli('clock', 'advance', created.id, '1d2h30m'));
    assert.equal(advanced.time, '2030-01-02T02:30:00.000Z');
    assert.equal(answer(await adminCli('clock', 'get', created.id)).time, '2030-01-02T02:30:00.000Z');
    const unfrozen = answer(await adminCli('clock', 'unfreeze', created.id));
    assert.equal(unfrozen.frozen, false);

    const rule = { method: 'GET', path: '/v1/entity-connections', fault: '503', times: 1 };
    const added = answer(await adminCli('faults', 'add', created.id, writeJson('rule.json', rule)));
    assert.equal(added.fault, '503');
    const faults = answer(await adminCli('faults', 'list', created.id));
    assert.deepEqual(
      faults.faultRules.map((r: { id: string; remaining: number | null }) => [r.id, r.remaining]),
      [[added.id, 1]],
    );

    // A request of the tenant's own, which the rule answers with 503, for the journal.
    const tokenResponse = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        grant_type: 'client_credentials',
      }),
    });
    assert.equal(tokenResponse.status, 200);
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const faulted = await fetch(`${server.url}/v1/entity-connections`, {
      headers: {
        authorization: `Bearer ${token}`,
        'zuora-entity-ids': created.globalEntityId,
        'zuora-track-id': 'admin-cli-1',
      },
    });
    assert.equal(faulted.status, 503);
    const journal = answer(
      await adminCli(
        'journal',
        created.id,
        '--path',
        '/v1/entity-connections',
        '--status',
        '503',
        '--track-id',
        'admin-cli-1',
      ),
    );
    assert.equal(journal.requests.length, 1);
    assert.equal(journal.requests[0].method, 'GET');
    assert.equal(journal.requests[0].trackId, 'admin-cli-1');
    const tokenRequests = answer(await adminCli('journal', created.id, '--path', '/oauth/token'));
    assert.deepEqual(
      tokenRequests.requests.map((r: { status: number }) => r.status),
      [200],
    );

    const reset = answer(await adminCli('tenants', 'reset', created.id));
    assert.equal(reset.globalEntityId, created.globalEntityId);
    assert.equal(reset.clock.frozen, false);
    assert.equal(reset.clock.offsetMs, 0);
    assert.deepEqual(answer(await adminCli('faults', 'list', created.id)).faultRules, []);

    answer(await adminCli('tenants', 'delete', created.id));
    const remaining = answer(await adminCli('tenants', 'list'));
    assert.ok(!remaining.tenants.some((t: { id: string }) => t.id === created.id));
  });

  it("exits 1 with the Zuora error's message when the server refuses", async () => {
    const missing = await adminCli('tenants', 'reset', '999999999');
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.equal(missing.stderr, 'The tenant does not exist.\n');

    const wrongToken = await runCli({
      command: 'admin',
      args: ['--url', server.url, '--token', 'not-the-operator-token', 'tenants', 'list'],
    });
    assert.equal(wrongToken.code, 1);
    assert.equal(wrongToken.stderr, 'Permission denied: the bearer token is not the operator token.\n');
  });

  it('takes the token from MULTIENTITY_OPERATOR_TOKEN when neither --token nor --db is given', async () => {
    const { operatorToken } = JSON.parse(readFileSync(join(dir, 'operator-token.json'), 'utf8'));
    const run = await runCli({
      command: 'admin',
      args: ['tenants', 'list', '--url', server.url],
      env: { MULTIENTITY_OPERATOR_TOKEN: operatorToken },
    });
    assert.ok(Array.isArray(answer(run).tenants));
  });

  it('exits 1 naming the duration it cannot read, before calling the server', async () => {
    const run = await adminCli('clock', 'advance', '1', 'two hours');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /'two hours' is not a duration/);
  });
});
