#!/usr/bin/env node
// `npm test`: every test in one run of node's test runner (whose summary CI reads), with a
// throwaway PostgreSQL cluster so that the store and HTTP suites run on SQLite and on PostgreSQL.
//
//   node scripts/test.mjs                       every test file
//   node scripts/test.mjs test/http/x.test.ts   only these files, still on both databases
//
// MULTIENTITY_TEST_SKIP_POSTGRES=1 runs SQLite only, where PostgreSQL is not installed.
// MULTIENTITY_TEST_PG_URL already set: that server is used and no cluster is started.
// MULTIENTITY_TEST_CONCURRENCY: how many files run at once (default 4).
//
// Files run in parallel (scripts/test-runner.mjs, slowest first), each in its own process with databases of its own (an in-memory SQLite,
// PostgreSQL databases copied from a template of its own, temporary folders, ports the system
// picks). Each test and hook has a timeout (test/helpers/node-test.ts); a whole file has
// FILE_TIMEOUT_MS, for a process that never exits.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { postgresBin, startCluster } from './postgres-cluster.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function testFiles() {
  const given = process.argv.slice(2);
  if (given.length > 0) return given;
  // Node 20's runner does not expand globs: test/*/*.test.ts and packages/client/test/*.test.ts,
  // expanded here.
  const files = [];
  for (const file of readdirSync(join(root, 'packages', 'client', 'test'))) {
    if (file.endsWith('.test.ts')) files.push(join('packages', 'client', 'test', file));
  }
  for (const folder of readdirSync(join(root, 'test'), { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of readdirSync(join(root, 'test', folder.name))) {
      if (file.endsWith('.test.ts')) files.push(join('test', folder.name, file));
    }
  }
  return startSlowFirst(files.sort());
}

/**
 * Files that mostly wait (server processes, npm pack, timers) and take longest, slowest first (from
 * the timings `npm test` prints). The runner starts files in the order given: these start first,
 * so that their waiting overlaps the files that compute, instead of running alone at the end.
 */
const SLOW_FIRST = [
  'test/cli/serve.test.ts',
  'test/readme/readme-examples.test.ts',
  'test/console/console-browser.test.ts',
  'test/storage/store-contract.test.ts',
  'test/testing/pack.test.ts',
  'test/cli/admin-cli.test.ts',
];

function startSlowFirst(files) {
  const rank = (file) => {
    const index = SLOW_FIRST.indexOf(file);
    return index === -1 ? SLOW_FIRST.length : index;
  };
  // Array.prototype.sort is stable: the other files keep their order.
  return [...files].sort((a, b) => rank(a) - rank(b));
}

/**
 * Most files wait on I/O (PostgreSQL, server processes, timers) more than they compute, so more
 * files than cores run at once; Node 20's default for --test is one fewer than the cores.
 */
const CONCURRENCY = Number(process.env.MULTIENTITY_TEST_CONCURRENCY) || 4;
const FILE_TIMEOUT_MS = 10 * 60_000;

/**
 * The bundle in dist/, built once here for the files that use it (they call buildCli, which then
 * does nothing): in parallel, one file's build would rewrite dist/ while another's server loads it.
 */
function buildOnce(files) {
  const needsBuild = files.some((file) => readFileSync(join(root, file), 'utf8').includes('buildCli'));
  if (!needsBuild) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/**
 * Each file's wall and CPU time (scripts/test-file-timing.mjs writes them as the file's process
 * exits), slowest first, then the run's: TAP comments, so that the runner's summary still parses.
 */
function timingSummary(timingsPath, files, startedAt, loadAtStart) {
  let lines = [];
  try {
    lines = readFileSync(timingsPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    // No file finished.
  }
  lines.sort((a, b) => b.wallMs - a.wallMs);
  const seconds = (ms) => (ms / 1000).toFixed(1).padStart(6);
  const out = ['# wall s  cpu s  file (slowest first)'];
  for (const line of lines) out.push(`# ${seconds(line.wallMs)} ${seconds(line.cpuMs)}  ${line.file}`);
  const timed = new Set(lines.map((line) => line.file));
  for (const file of files)
    if (!timed.has(file)) out.push(`#      ?      ?  ${file} (its process did not exit)`);
  const sum = (key) => lines.reduce((total, line) => total + line[key], 0);
  out.push(
    `# ${seconds(Date.now() - startedAt)} wall s for the run (${files.length} files, ${CONCURRENCY} at a time); ` +
      `the files' own: ${seconds(sum('wallMs')).trim()} wall s, ${seconds(sum('cpuMs')).trim()} cpu s`,
    `# load average at the start: ${loadAtStart}; at the end: ${load()}`,
  );
  return `${out.join('\n')}\n`;
}

async function main() {
  const startedAt = Date.now();
  const loadAtStart = load();
  const files = testFiles();
  const env = { ...process.env };
  buildOnce(files);
  env.MULTIENTITY_TEST_BUILT = '1';
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
    // Durability off makes CREATE DATABASE and commits fast; the tests of durability across
    // kill -9 kill the server, not PostgreSQL.
    cluster = await startCluster(bin, {
      settings: [
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=300',
      ],
    });
    env.MULTIENTITY_TEST_PG_URL = cluster.url;
  }
  const timingsFolder = mkdtempSync(join(tmpdir(), 'multientity-test-timings-'));
  const timingsPath = join(timingsFolder, 'timings.jsonl');
  env.MULTIENTITY_TEST_TIMINGS = timingsPath;
  const cleanup = () => {
    if (cluster) cluster.stop();
    cluster = null;
    rmSync(timingsFolder, { recursive: true, force: true });
  };
  process.once('exit', cleanup);

  const runner = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      pathToFileURL(join(root, 'scripts', 'test-file-timing.mjs')).href,
      join(root, 'scripts', 'test-runner.mjs'),
      String(CONCURRENCY),
      String(FILE_TIMEOUT_MS),
      ...files,
    ],
    { cwd: root, env, stdio: 'inherit' },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => runner.kill(signal));
  }
  const code = await new Promise((resolve) => {
    runner.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  process.stdout.write(timingSummary(timingsPath, files, startedAt, loadAtStart));
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
