#!/usr/bin/env node
// `npm test`: every test in one run of node's test runner (whose summary CI reads), with a
// throwaway PostgreSQL cluster so that the store and HTTP suites run on SQLite and on PostgreSQL.
//
//   node scripts/test.mjs                       every test file
//   node scripts/test.mjs test/http/x.test.ts   only these files, still on both databases
//
// MULTIENTITY_TEST_SKIP_POSTGRES=1 runs SQLite only, where PostgreSQL is not installed.
// MULTIENTITY_TEST_PG_URL already set: that server is used and no cluster is started.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function testFiles() {
  const given = process.argv.slice(2);
  if (given.length > 0) return given;
  // Node 20's runner does not expand globs: test/*/*.test.ts, expanded here.
  const files = [];
  for (const folder of readdirSync(join(root, 'test'), { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of readdirSync(join(root, 'test', folder.name))) {
      if (file.endsWith('.test.ts')) files.push(join('test', folder.name, file));
    }
  }
  return files.sort();
}

function postgresBin() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  return newest === undefined ? null : join(base, newest, 'bin');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL tool, as the unprivileged postgres user when we are root (initdb refuses root). */
function asOwner(bin, args) {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function startCluster(bin) {
  const dir = mkdtempSync(join(tmpdir(), 'multientity-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const cluster = { dir, data: join(dir, 'data'), bin, started: false };
  try {
    asOwner(join(bin, 'initdb'), [
      '-D',
      cluster.data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    const port = await freePort();
    // A throwaway cluster: durability settings off make CREATE DATABASE and commits fast; the
    // tests of durability across kill -9 kill the server, not PostgreSQL.
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=300',
    ].join(' ');
    asOwner(join(bin, 'pg_ctl'), ['-D', cluster.data, '-l', join(dir, 'log'), '-w', '-o', options, 'start']);
    cluster.started = true;
    cluster.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    return cluster;
  } catch (error) {
    stopCluster(cluster);
    throw error;
  }
}

function stopCluster(cluster) {
  if (cluster.started) {
    try {
      asOwner(join(cluster.bin, 'pg_ctl'), ['-D', cluster.data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already stopped: removing the folder is what matters.
    }
    cluster.started = false;
  }
  rmSync(cluster.dir, { recursive: true, force: true });
}

async function main() {
  const env = { ...process.env };
  let cluster = null;
  if (!env.MULTIENTITY_TEST_PG_URL && env.MULTIENTITY_TEST_SKIP_POSTGRES !== '1') {
    const bin = postgresBin();
    if (bin === null) {
      process.stderr.write(
        'The tests run on SQLite and on PostgreSQL, and the PostgreSQL server binaries are missing\n' +
          '(/usr/lib/postgresql/*/bin/postgres). Install them with:\n' +
          '  sudo apt-get install postgresql\n' +
          'or run the SQLite tests only with MULTIENTITY_TEST_SKIP_POSTGRES=1 npm test\n',
      );
      return 1;
    }
    cluster = await startCluster(bin);
    env.MULTIENTITY_TEST_PG_URL = cluster.url;
  }
  const cleanup = () => {
    if (cluster) stopCluster(cluster);
    cluster = null;
  };
  process.once('exit', cleanup);

  const runner = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', ...testFiles()],
    { cwd: root, env, stdio: 'inherit' },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => runner.kill(signal));
  }
  const code = await new Promise((resolve) => {
    runner.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  cleanup();
  return code;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
