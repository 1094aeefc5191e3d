import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { buildCli, cliPath, freePort, repoRoot, runCli, startServer } from '../helpers/server-process.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'multientity-first-hour-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;

/** The `export NAME='value'` lines of a text, as name → value. */
function exported(text: string): Record<string, string> {
  return Object.fromEntries(
    [...text.matchAll(/^\s*export (\w+)='([^']*)'$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
}

before(async () => {
  await buildCli();
});

describe('multientity: help and version', () => {
  it('prints the version of package.json with --version', async () => {
    const run = await runCli({ command: '--version', timeoutMs: 30_000 });
    assert.equal(run.code, 0);
    assert.equal(run.stdout.trim(), version);
  });

  it('shows the admin commands default URL once', async () => {
    const run = await runCli({ command: 'admin', args: ['--help'], timeoutMs: 30_000 });
    assert.equal(run.code, 0);
    assert.equal(run.stdout.match(/http:\/\/localhost:8080/g)?.length, 1, run.stdout);
  });

  it('lists in serve --help every MULTIENTITY_ variable the configuration reads', async () => {
    const run = await runCli({ command: 'serve', args: ['--help'], timeoutMs: 30_000 });
    assert.equal(run.code, 0);
    const source = readFileSync(join(repoRoot, 'src', 'config.ts'), 'utf8');
    const variables = [...new Set(source.match(/MULTIENTITY_[A-Z_]+/g))];
    for (const name of ['MULTIENTITY_OPERATOR_TOKEN', 'MULTIENTITY_LIMITS', 'MULTIENTITY_DURABILITY']) {
      assert.ok(variables.includes(name), `${name} no longer in src/config.ts`);
    }
    const missing = variables.filter((name) => !run.stdout.includes(name));
    assert.deepEqual(missing, [], run.stdout);
    const documented = readFileSync(join(repoRoot, 'docs', 'CONFIGURATION.md'), 'utf8');
    assert.deepEqual(
      variables.filter((name) => !documented.includes(name)),
      [],
      'every variable is in docs/CONFIGURATION.md',
    );
  });
});

describe('multientity env', () => {
  it('prints again the export lines the first start printed, which reach the demo tenant', async (t) => {
    const dir = tempDir(t);
    const port = await freePort();
    const db = join(dir, 'data', 'multientity.db');
    const server = await startServer({ args: ['--port', String(port), '--db', db], t });
    const printed = exported(server.stdout());
    for (const name of [
      'BASE',
      'TENANT_ID',
      'GLOBAL_ID',
      'EU_ID',
      'CLIENT_ID',
      'CLIENT_SECRET',
      'OPERATOR_TOKEN',
    ]) {
      assert.ok(printed[name], `${name} printed on the first start:\n${server.stdout()}`);
    }
    assert.equal(printed.BASE, server.url);

    const run = await runCli({
      command: 'env',
      args: ['--port', String(port), '--db', db],
      timeoutMs: 30_000,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(exported(run.stdout), printed);

    // eval'd by bash, the lines reach the server: a token for the client, the tenant by id.
    const script = `eval "$(node '${cliPath}' env --port ${port} --db '${db}')"
curl -s -o /dev/null -w '%{http_code} ' -X POST "$BASE/oauth/token" -d client_id=$CLIENT_ID -d client_secret=$CLIENT_SECRET -d grant_type=client_credentials
curl -s -o /dev/null -w '%{http_code}' "$BASE/admin/v1/tenants/$TENANT_ID" -H "Authorization: Bearer $OPERATOR_TOKEN"`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { timeout: 30_000 });
    assert.equal(stdout, '200 200');
  });

  it('the same ids on every machine: two fresh databases, one tenant id and the same entity ids', async (t) => {
    const ids = [];
    for (const name of ['a', 'b']) {
      const server = await startServer({ args: ['--port', '0', '--db', join(tempDir(t), name, 'm.db')], t });
      const { TENANT_ID, GLOBAL_ID, US_ID, EU_ID, APAC_ID, CLIENT_ID, APAC_CLIENT_ID, CLIENT_SECRET } =
        exported(server.stdout());
      ids.push({
        ids: [TENANT_ID, GLOBAL_ID, US_ID, EU_ID, APAC_ID, CLIENT_ID, APAC_CLIENT_ID],
        CLIENT_SECRET,
      });
      await server.stop();
    }
    assert.deepEqual(ids[0]?.ids, ids[1]?.ids);
    assert.notEqual(ids[0]?.CLIENT_SECRET, ids[1]?.CLIENT_SECRET, 'secrets are made on each machine');
    assert.ok((ids[0]?.CLIENT_SECRET ?? '').length >= 16);
  });

  it('says how to get a demo tenant when the database has none, and exits 1', async (t) => {
    const run = await runCli({ command: 'env', args: ['--db', join(tempDir(t), 'm.db')], timeoutMs: 30_000 });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /No demo tenant beside .*: `multientity serve` \(npm start\) creates it/);
  });
});

describe('multientity serve: logs', () => {
  const request = async (url: string) => {
    const response = await fetch(`${url}/v1/entities`, { headers: { 'zuora-track-id': 'log-test' } });
    assert.equal(response.status, 401);
  };
  const completed =
    /^\d\d:\d\d:\d\d\.\d{3} INFO {2}\S+ ← 401 GET \/v1\/entities [\d.]+ ms .*trackId=log-test/m;

  it('writes JSON records when stdout is not a terminal', async (t) => {
    const server = await startServer({ args: ['--port', '0', '--db', ':memory:'], t });
    await request(server.url);
    const line = await server.waitForOutput((l) => l.includes('"request completed"'), 10_000);
    assert.equal((JSON.parse(line) as { trackId?: string }).trackId, 'log-test');
  });

  it('writes one readable line a record with --log-format pretty', async (t) => {
    const server = await startServer({
      args: ['--port', '0', '--db', ':memory:', '--log-format', 'pretty'],
      env: { NO_COLOR: '1' },
      t,
    });
    await request(server.url);
    await server.waitForOutput((l) => completed.test(l), 10_000);
    assert.doesNotMatch(server.stdout(), /^\{/m);
  });

  it('writes readable lines when stdout is a terminal', { timeout: 60_000 }, async (t) => {
    // script(1) runs the server on a pseudo-terminal; it is part of util-linux.
    if (!existsSync('/usr/bin/script')) return t.skip('script(1) is not installed (util-linux)');
    const port = await freePort();
    const log = join(tempDir(t), 'tty.log');
    const child = spawn(
      'script',
      ['-qfec', `NO_COLOR=1 node '${cliPath}' serve --port ${port} --db :memory:`, log],
      {
        env: { ...process.env, MULTIENTITY_OPERATOR_TOKEN: 'x'.repeat(20) },
        detached: true,
        stdio: 'ignore',
      },
    );
    // The group: script and the server it runs.
    t.after(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    });
    const url = `http://localhost:${port}`;
    const deadline = Date.now() + 40_000;
    while ((await fetch(`${url}/health`).catch(() => null)) === null) {
      assert.ok(Date.now() < deadline, 'the server did not start');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await request(url);
    while (!completed.test(readFileSync(log, 'utf8'))) {
      assert.ok(Date.now() < deadline, `no readable line:\n${readFileSync(log, 'utf8')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.doesNotMatch(readFileSync(log, 'utf8'), /^\{"level"/m);
  });
});
