import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildCli, repoRoot } from '../helpers/server-process.js';

// What users install is what is tested: both packages packed, installed from their tarballs into an
// empty folder, and used from there. No network: the cache that `npm ci` filled holds the
// dependencies' tarballs but not the registry's version lists that resolving `^5.12.8` needs, so the
// folder gets a package-lock.json made from this repository's (the server's production dependencies
// at the versions locked here, the two tarballs as files) and `npm ci --offline` installs from the
// cache alone. Install scripts are skipped and better-sqlite3's addon, compiled by `npm ci` for this
// same Node, is copied in: compiling it again takes 90 s and more.
const run = promisify(execFile);
const folder = mkdtempSync(join(tmpdir(), 'multientity-pack-'));
const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, timeout: 180_000 });

interface LockEntry {
  dev?: boolean;
  link?: boolean;
  version?: string;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
  [key: string]: unknown;
}

/** The app's lock: the two tarballs, and the server's production dependencies as locked here. */
function writeLockfile(app: string): void {
  const repoLock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const server = repoLock.packages[''] as LockEntry;
  const client = repoLock.packages['packages/client'] as LockEntry;
  const tarball = (name: string) => `file:../${name}-0.1.0.tgz`;
  const integrity = (name: string) =>
    `sha512-${createHash('sha512')
      .update(readFileSync(join(folder, `${name}-0.1.0.tgz`)))
      .digest('base64')}`;
  const dependencies = {
    multientity: tarball('multientity'),
    'multientity-client': tarball('multientity-client'),
  };
  const packages: Record<string, LockEntry> = {
    '': { name: 'app', dependencies },
    'node_modules/multientity': {
      version: '0.1.0',
      resolved: tarball('multientity'),
      integrity: integrity('multientity'),
      dependencies: server.dependencies,
      bin: server.bin,
    },
    'node_modules/multientity-client': {
      version: '0.1.0',
      resolved: tarball('multientity-client'),
      integrity: integrity('multientity-client'),
      ...(client.dependencies ? { dependencies: client.dependencies } : {}),
    },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev || entry.link) continue;
    if (path === 'node_modules/multientity-client') continue;
    packages[path] = entry;
  }
  // npm applies `overrides` only from the project it installs: an app on Node 20 names the same ones
  // (docs/DEPENDENCIES.md), or its lock would not be the one made from this repository's.
  const { overrides } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    overrides?: Record<string, string>;
  };
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'app', private: true, type: 'module', dependencies, overrides }, null, 2)}\n`,
  );
  writeFileSync(
    join(app, 'package-lock.json'),
    `${JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}

const script = `
import { NotFoundError } from 'multientity-client';
import { startMultientity } from 'multientity/testing';

const me = await startMultientity();
const tenant = await me.tenant({
  entities: [{ name: 'Global', locale: 'en_US', timezone: 'GMT', children: [{ name: 'US', locale: 'en_US', timezone: 'GMT' }] }],
});
const { id } = await tenant.client.entityConnections.create({ targetEntityId: tenant.entities.US });
const missing = await tenant.client.entities.get('0'.repeat(32)).catch((error) => error);
console.log(JSON.stringify({ id, notFound: missing instanceof NotFoundError, status: missing.status }));
await me.stop();
`;

const typed = `
import { type EntityConnection, MultientityClient, ZUORA_ENVIRONMENTS } from 'multientity-client';
import { startMultientity } from 'multientity/testing';

const me = await startMultientity();
const client: MultientityClient = (await me.tenant({ entities: [{ name: 'G', locale: 'en_US', timezone: 'GMT' }] })).client;
const all: EntityConnection[] = await client.entityConnections.list({ type: 'outbound' }).toArray();
const zuora = new MultientityClient({ baseUrl: ZUORA_ENVIRONMENTS.EU_PRODUCTION, clientId: 'x', clientSecret: 'y' });
// @ts-expect-error: the contract has no such field
await zuora.entities.create({ name: 'n', parentId: 'p', locale: 'l', timezone: 't', colour: 'red' });
console.log(all.length);
await me.stop();
`;

// The tests only read the installed app, each writing a file of its own: they run at once.
describe('the packed packages, installed from their tarballs', {
  timeout: 400_000,
  concurrency: true,
}, () => {
  before(
    async () => {
      await buildCli();
      await Promise.all([
        npm(['pack', '--ignore-scripts', '--pack-destination', folder], repoRoot),
        npm(['pack', '--ignore-scripts', '--pack-destination', folder], join(repoRoot, 'packages', 'client')),
      ]);
      const app = join(folder, 'app');
      mkdirSync(app);
      writeLockfile(app);
      await npm(['ci', '--offline', '--ignore-scripts'], app);
      cpSync(
        join(repoRoot, 'node_modules', 'better-sqlite3', 'build'),
        join(app, 'node_modules', 'better-sqlite3', 'build'),
        { recursive: true },
      );
    },
    { timeout: 400_000 },
  );
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('holds only what a user needs', () => {
    const app = join(folder, 'app', 'node_modules');
    assert.ok(existsSync(join(app, 'multientity', 'dist', 'testing', 'index.d.ts')));
    assert.ok(existsSync(join(app, 'multientity-client', 'dist', 'index.d.ts')));
    assert.ok(!existsSync(join(app, 'multientity', 'test')));
    assert.ok(!existsSync(join(app, 'multientity', 'src')));
    assert.ok(!existsSync(join(app, 'multientity-client', 'src')));
  });

  it('starts the kit and calls the client from a script', async () => {
    const app = join(folder, 'app');
    writeFileSync(join(app, 'check.mjs'), script);
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: app, timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    assert.match(result.id, /^[0-9a-f]{32}$/);
    assert.deepEqual([result.notFound, result.status], [true, 404]);
  });

  it('type-checks a TypeScript user of both packages against their .d.ts', async () => {
    const app = join(folder, 'app');
    writeFileSync(join(app, 'check.ts'), typed);
    const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
    await run(
      tsc,
      [
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--skipLibCheck',
        '--typeRoots',
        join(repoRoot, 'node_modules', '@types'),
        '--types',
        'node',
        'check.ts',
      ],
      { cwd: app, timeout: 60_000 },
    ).catch((error: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${error.stdout ?? ''}`);
    });
  });

  it('serves with npx multientity serve', async () => {
    const child = spawn('npx', ['--no-install', 'multientity', 'serve', '--port', '0', '--db', ':memory:'], {
      cwd: join(folder, 'app'),
      env: { ...process.env, LOG_LEVEL: 'silent', MULTIENTITY_OPERATOR_TOKEN: 'o'.repeat(32) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL in 60 s:\n${out}`)), 60_000);
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const match = /serving .* on (http:\/\/\S+)/.exec(out);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
      });
      const health = await fetch(`${url.replace('localhost', '127.0.0.1')}/health`);
      assert.equal(health.status, 200);
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    }
  });
});
