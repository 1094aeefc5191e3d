// `npm run bench`: the load scenarios of docs/PERFORMANCE.md against the server (bundled from src/
// into node_modules/.cache/multientity-bench as `npm run build` bundles dist/, run as `multientity
// serve` in its own process at its default settings, info logs included), on SQLite at both
// durability levels and on PostgreSQL, beside a bare node:http baseline and, on SQLite at `process`
// and on PostgreSQL, the thin comparator (bench/comparator.ts, the design limit of issue 16), all
// measured in the same run.
//
//   npm run bench                      every scenario, about 5 minutes
//   npm run bench -- --quick           shorter runs, fewer tenants at scale, no Prism: a smoke run
//   npm run bench -- --pg-url postgres://…   use this server (else BENCH_PG_URL, else a throwaway
//                                      cluster when PostgreSQL is installed; --no-pg skips it)
//   npm run bench -- --no-prism        skip the Stoplight Prism comparison
//   npm run bench -- --profile         servers run with --cpu-prof, profiles in bench/profiles/
//   npm run bench -- --only sqlite-process   only the runs whose name starts with this
//   npm run bench -- --scenario 4a     only the scenarios (1 to 5) whose name starts with this
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Request } from 'autocannon';
import pg from 'pg';
import type { Store } from '../src/domain/ports/index.js';
import { createPostgresStore } from '../src/storage/postgres/postgres-store.js';
import { createSqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { renderChart } from './chart.js';
import { type Cluster, freePort, startCluster } from './postgres.js';
import {
  baselineRequests,
  credentials,
  freshWriteRequests,
  listConnectionRequests,
  listEntityRequests,
  mixedRequests,
  REPLAY,
  replayRequests,
  scaleListRequests,
  type Tokens,
  tokenRequests,
} from './scenarios.js';
import { setUpMain, setUpScale, WRITE_CLIENTS } from './setup.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag('--quick');
const profile = flag('--profile');
const only = option('--only');
const onlyScenario = option('--scenario');
const CONNECTIONS = 32;
const DURATION_S = quick ? 3 : 8;
const WARMUP_S = quick ? 1 : 2;
// 32 cycles run at once, and a run's end leaves up to 32 of them half done: 128 leaves room.
const MIXED_TENANTS = 128;
const SCALE_SMALL_TENANTS = quick ? 1000 : 10_000;
/** Turns each of the servers at `info` and at `silent` is measured in, for the logging cost. */
const LOGGING_ROUNDS = quick ? 1 : 3;
/** Turns multientity and the comparator are measured in on each compared scenario; after the first, ROUND_S each. */
const COMPARE_ROUNDS = quick ? 1 : 3;
const ROUND_S = 4;

export interface Row {
  scenario: string;
  database: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  /** requests per second divided by the baseline's */
  ratio: number;
  non2xx: number;
  errors: number;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Processes

interface Server {
  name: string;
  url: string;
  process: ChildProcess;
  /** From spawn to the first answered request, in ms. */
  startupMs: number;
  stop(): Promise<void>;
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${seen}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume(); // keep draining, or a full pipe would block the child
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; output:\n${seen}`));
    });
  });
}

/** Polls until the URL answers; answers when it first did. */
async function firstAnswer(url: string, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      return performance.now();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
}

async function startBaseline(): Promise<Server> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'bench/baseline-server.mjs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [, url] = (await waitForLine(child, /listening on (\S+)/, 10_000)) as [string, string];
  const answered = await firstAnswer(url, 5000);
  return { name: 'baseline', url, process: child, startupMs: answered - started, stop: stopper(child) };
}

/** The thin comparator (bench/comparator.ts) on the same database, in a process of its own. */
async function startComparator(name: string, db: string): Promise<Server> {
  const nodeArgs = profile
    ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'bench/profiles')}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', join(root, 'bench/comparator-server.ts'), '--db', db],
    // stderr shown: the comparator writes nothing there but its unexpected errors.
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [, url] = (await waitForLine(child, /comparator listening on (\S+)/, 60_000)) as [string, string];
  return { name, url, process: child, startupMs: performance.now() - started, stop: stopper(child) };
}

// Outside the linted folders, where node still finds the project's node_modules.
const BUILD = join(root, 'node_modules/.cache/multientity-bench');
/** What the benchmark runs: bin/multientity.js's one line, pointed at BUILD. */
const LAUNCHER = join(BUILD, 'multientity.js');

function newestMtime(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds src/ into BUILD (not dist/, which a running server may be using) as `npm run build` builds
 * dist/ (scripts/build.mjs, one bundled file), unless it is up to date, and a launcher that imports
 * it as bin/multientity.js imports dist/, so the start-up measured is the one users get.
 */
function build(): void {
  // What was built, from where: git worktrees that share one node_modules share BUILD too, and an
  // older checkout's files are no newer than another's build.
  const stamp = join(BUILD, 'built-from.json');
  const sources = Math.max(newestMtime(join(root, 'src')), statSync(join(root, 'scripts/build.mjs')).mtimeMs);
  const wanted = JSON.stringify({ root, sources });
  if (existsSync(LAUNCHER) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  log(`building src/ into ${BUILD} …`);
  rmSync(BUILD, { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--outdir', BUILD], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  writeFileSync(LAUNCHER, "import './cli/main.js';\n");
  writeFileSync(stamp, wanted);
}

/** `multientity serve` at its defaults (logs at `info`, to a pipe the runner drains) unless told. */
async function startServer(
  name: string,
  db: string,
  env: Record<string, string> = {},
  logLevel = 'info',
): Promise<Server> {
  const nodeArgs = profile
    ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'bench/profiles')}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...nodeArgs, LAUNCHER, 'serve', '--db', db, '--port', '0', '--log-level', logLevel],
    {
      cwd: root,
      env: { ...process.env, MULTIENTITY_OPERATOR_TOKEN: 'bench-operator-token-0123456789', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const [, url] = (await waitForLine(child, /serving the Zuora Multi-entity API on (\S+)/, 60_000)) as [
    string,
    string,
  ];
  const base = url.replace('localhost', '127.0.0.1');
  const answered = await firstAnswer(`${base}/health`, 10_000);
  return { name, url: base, process: child, startupMs: answered - started, stop: stopper(child) };
}

/**
 * Resident memory of a process, in MB: now, at its peak, and now split into anonymous memory (the
 * heaps) and file pages (about 45 MB of node's own binary and libraries, shared with other node
 * processes). Read right after a load, `rssMb` falls wherever V8's collector happens to be, so the
 * peak is the steadier figure (docs/PERFORMANCE.md, "Memory").
 */
function memoryOf(child: ChildProcess): {
  rssMb: number;
  peakRssMb: number;
  rssAnonMb: number;
  rssFileMb: number;
} {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0);
  const mb = (field: string) => Math.round(kb(field) / 102.4) / 10;
  return { rssMb: mb('VmRSS'), peakRssMb: mb('VmHWM'), rssAnonMb: mb('RssAnon'), rssFileMb: mb('RssFile') };
}

// ---------------------------------------------------------------------------------------------
// Load

async function load(url: string, requests: Request[], seconds = DURATION_S): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, pipelining: 1, duration: seconds, requests });
}

interface Measured {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** CPU time (user + system) the server spent per request: steadier than req/s on a busy machine. */
  cpuMsPerRequest: number;
  non2xx: number;
  errors: number;
  /** How many responses had each status. */
  statusCodes: Record<string, number>;
  /** The machine's 1-minute load average when the measurement ended. */
  load1: number;
}

/** The CPU time a process has used, in ms (/proc's clock ticks are 1/100 s on Linux). */
function cpuMs(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A warm-up (not counted), then the measured run. */
async function measure(
  server: Server,
  makeRequests: () => Request[],
  options: { warmUp?: boolean; seconds?: number } = {},
): Promise<Measured> {
  if (options.warmUp ?? true) await load(server.url, makeRequests(), WARMUP_S);
  const before = cpuMs(server.process);
  const result = await load(server.url, makeRequests(), options.seconds);
  const cpu = cpuMs(server.process) - before;
  return {
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMsPerRequest: Math.round((cpu / Math.max(1, result.requests.total)) * 1000) / 1000,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count ?? 0]),
    ),
    load1: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

async function token(url: string, client: { clientId: string; clientSecret: string }): Promise<string> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...{ client_id: client.clientId, client_secret: client.clientSecret },
      grant_type: 'client_credentials',
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token for ${client.clientId}: ${JSON.stringify(body)}`);
  return body.access_token;
}

async function tokensFor(url: string, mixedTenants: number): Promise<Tokens> {
  const write: string[] = [];
  for (let i = 0; i < WRITE_CLIENTS; i++) write.push(await token(url, credentials.write(i)));
  const mixed: string[] = [];
  for (let t = 0; t < mixedTenants; t++) mixed.push(await token(url, credentials.mixed(t)));
  return {
    read: await token(url, credentials.read),
    write,
    mixed,
    writesSent: 0,
    mixedFree: mixed.map((_, i) => i),
  };
}

// ---------------------------------------------------------------------------------------------
// Databases

interface Database {
  /** sqlite-process, sqlite-full, postgres */
  name: string;
  /** What `--db` is given. */
  db: string;
  env: Record<string, string>;
}

async function withStore(db: string, fn: (store: Store) => Promise<void>): Promise<void> {
  const store = db.startsWith('postgres')
    ? await createPostgresStore({ url: db, poolSize: 4 })
    : await createSqliteStore({ path: db });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

async function createPgDatabase(clusterUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: clusterUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// ---------------------------------------------------------------------------------------------
// The run

interface Scenario {
  name: string;
  requests: (tokens: Tokens) => Request[];
  /** Only on the first database of a kind where reads are the same (durability does not change them). */
  writes: boolean;
  /** The thin comparator serves it too (the mixed workload's PUTs it does not). */
  compared: boolean;
}

const scenarios: Scenario[] = [
  { name: '1 POST /oauth/token', requests: () => tokenRequests(), writes: true, compared: true },
  { name: '2 POST connection, fresh key', requests: freshWriteRequests, writes: true, compared: true },
  { name: '3 POST connection, replayed key', requests: replayRequests, writes: false, compared: true },
  {
    name: '4a GET connections (30)',
    requests: (t) => listConnectionRequests(t.read),
    writes: false,
    compared: true,
  },
  { name: '4b GET entities (31)', requests: listEntityRequests, writes: false, compared: true },
  { name: '5 mixed, 128 tenants', requests: mixedRequests, writes: true, compared: false },
];

/** The databases measured against the comparator, and issue 16's target for the CPU ratio on each. */
const CPU_RATIO_TARGET: Record<string, number> = { 'sqlite-process': 1.25, postgres: 1.5 };
const P99_RATIO_TARGET = 1.5;
const LOGGING_COST_TARGET = 0.1;

export interface Comparison {
  scenario: string;
  database: string;
  multientity: Measured;
  comparator: Measured;
  /** multientity's CPU per request over the comparator's. */
  cpuRatio: number;
  cpuRatioTarget: number;
  p99Ratio: number;
}

export interface LoggingCost {
  scenario: string;
  database: string;
  info: Measured;
  silent: Measured;
  /** CPU per request at info over silent, minus one. */
  cost: number;
}

/** Of several measurements of one thing, the one with the lowest CPU per request. */
const lowestCpu = (all: Measured[]) => all.reduce((a, b) => (b.cpuMsPerRequest < a.cpuMsPerRequest ? b : a));

const ratioOf = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : Number.NaN);

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  build();
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  if (profile) mkdirSync(join(root, 'bench/profiles'), { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'multientity-bench-'));
  let cluster: Cluster | null = null;
  const servers = new Set<Server>();
  const track = (server: Server) => {
    servers.add(server);
    return server;
  };
  const stop = async (server: Server) => {
    servers.delete(server);
    await server.stop();
  };
  const cleanup = async () => {
    for (const server of servers) await server.stop();
    cluster?.stop();
    cluster = null;
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    const exit = () => process.exit(130);
    cleanup().then(exit, exit);
  });
  // A throw inside autocannon's socket handlers escapes every await: still stop what was started.
  process.once('uncaughtException', (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    const exit = () => process.exit(1);
    cleanup().then(exit, exit);
  });

  const rows: Row[] = [];
  const comparisons: Comparison[] = [];
  const logging: LoggingCost[] = [];
  const startup: { database: string; ms: number }[] = [];
  const scale: Record<string, unknown>[] = [];
  const notes: string[] = [];
  let prism: Record<string, unknown> | null = null;
  try {
    // Databases: a SQLite template copied for each level, so each run starts from the same rows.
    log('setting up the SQLite databases …');
    const template = join(work, 'main-template.db');
    await withStore(template, (store) => setUpMain(store, MIXED_TENANTS));
    const databases: Database[] = [];
    // --quick leaves out `full`: issue 16's targets are at the default settings.
    for (const level of quick ? (['process'] as const) : (['process', 'full'] as const)) {
      const file = join(work, `main-${level}.db`);
      copyFileSync(template, file);
      databases.push({ name: `sqlite-${level}`, db: file, env: { MULTIENTITY_DURABILITY: level } });
    }
    const scaleDatabases: Database[] = [];
    const wantScale = !only || 'scale'.startsWith(only) || only.startsWith('scale');
    if (wantScale) {
      const file = join(work, 'scale.db');
      const t0 = performance.now();
      const connections = await withStoreCount(file);
      log(
        `  scale database: ${connections} connections and ${SCALE_SMALL_TENANTS} more tenants in ${Math.round(performance.now() - t0)} ms`,
      );
      scaleDatabases.push({ name: 'sqlite-process', db: file, env: {} });
    }

    let pgUrl = option('--pg-url') ?? process.env.BENCH_PG_URL;
    if (!pgUrl && !flag('--no-pg')) {
      cluster = await startCluster();
      if (cluster) pgUrl = cluster.url;
      else notes.push('PostgreSQL: not measured (no server binaries in /usr/lib/postgresql).');
    }
    if (pgUrl) {
      log('setting up the PostgreSQL databases …');
      const main = await createPgDatabase(pgUrl, 'multientity_bench_main');
      await withStore(main, (store) => setUpMain(store, MIXED_TENANTS));
      databases.push({ name: 'postgres', db: main, env: {} });
      // --quick measures the scale on SQLite only: its PostgreSQL setup takes minutes.
      if (wantScale && !quick) {
        const scaleDb = await createPgDatabase(pgUrl, 'multientity_bench_scale');
        await withStore(scaleDb, async (store) => {
          await setUpScale(store, SCALE_SMALL_TENANTS);
        });
        scaleDatabases.push({ name: 'postgres', db: scaleDb, env: {} });
      }
    }

    // The baseline, before and after: its mean is what the ratios divide by.
    const baselineServer = track(await startBaseline());
    const baselineBefore = await measure(baselineServer, baselineRequests);
    log(`baseline: ${baselineBefore.requestsPerSecond} req/s`);

    const measured: { scenario: string; database: string; m: Measured }[] = [];
    for (const database of databases) {
      if (only && !database.name.startsWith(only)) continue;
      const server = track(await startServer(database.name, database.db, database.env));
      startup.push({ database: database.name, ms: Math.round(server.startupMs) });
      const tokens = await tokensFor(server.url, MIXED_TENANTS);
      // The comparator on the same database, measured right after multientity on each scenario. It
      // shares the tokens and the fresh-key walk (tokens.writesSent), so neither meets the other's pairs.
      const comparator =
        database.name in CPU_RATIO_TARGET
          ? track(await startComparator(`comparator-${database.name}`, database.db))
          : null;
      // The replayed key's first response, stored before the replays are measured.
      await fetch(`${server.url}/v1/entity-connections`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.write[0]}`,
          'zuora-entity-ids': REPLAY.source,
          'content-type': 'application/json',
          'idempotency-key': REPLAY.key,
        },
        body: REPLAY.body,
      });
      // Both warmed up on every scenario they are compared on before either is measured, so that
      // neither runs cold code in its first measurement (each measurement has its own warm-up too).
      if (comparator) {
        for (const scenario of scenarios) {
          if (!scenario.compared || (onlyScenario && !scenario.name.startsWith(onlyScenario))) continue;
          await load(server.url, scenario.requests(tokens), WARMUP_S);
          await load(comparator.url, scenario.requests(tokens), WARMUP_S);
        }
      }
      for (const scenario of scenarios) {
        // Durability changes only what waits for a commit: reads are measured at 'process' only.
        if (database.name === 'sqlite-full' && !scenario.writes && !scenario.name.startsWith('3')) continue;
        if (onlyScenario && !scenario.name.startsWith(onlyScenario)) continue;
        const m = await measure(server, () => scenario.requests(tokens));
        log(
          `${database.name.padEnd(15)} ${scenario.name.padEnd(34)} ${String(m.requestsPerSecond).padStart(6)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  cpu ${m.cpuMsPerRequest} ms/req${m.non2xx ? `  non-2xx ${m.non2xx}` : ''}${m.errors ? `  errors ${m.errors}` : ''}`,
        );
        measured.push({ scenario: scenario.name, database: database.name, m });
        if (comparator && scenario.compared) {
          // The two in turn, COMPARE_ROUNDS times (the first after a warm-up); the lowest CPU of
          // each is compared, since other work on the machine only ever adds to it.
          const requests = () => scenario.requests(tokens);
          const mine = [m];
          const theirs = [await measure(comparator, requests)];
          for (let round = 1; round < COMPARE_ROUNDS; round++) {
            mine.push(await measure(server, requests, { warmUp: false, seconds: ROUND_S }));
            theirs.push(await measure(comparator, requests, { warmUp: false, seconds: ROUND_S }));
          }
          const c = lowestCpu(theirs);
          const me = lowestCpu(mine);
          const comparison: Comparison = {
            scenario: scenario.name,
            database: database.name,
            multientity: me,
            comparator: c,
            cpuRatio: ratioOf(me.cpuMsPerRequest, c.cpuMsPerRequest),
            cpuRatioTarget: CPU_RATIO_TARGET[database.name] as number,
            p99Ratio: ratioOf(me.p99, c.p99),
          };
          comparisons.push(comparison);
          log(
            `${'  comparator'.padEnd(15)} ${scenario.name.padEnd(34)} ${String(c.requestsPerSecond).padStart(6)} req/s  p99 ${c.p99} ms  cpu ${c.cpuMsPerRequest} ms/req  => CPU ${comparison.cpuRatio}x (target ${comparison.cpuRatioTarget}x), p99 ${comparison.p99Ratio}x${c.non2xx ? `  non-2xx ${c.non2xx}` : ''}${c.errors ? `  errors ${c.errors}` : ''}`,
          );
        }
      }
      if (comparator) await stop(comparator);
      // What logging at `info` costs: the same read on two new servers on the same database, one at
      // `info` and one at `silent`, started and warmed up alike (a server that has run every
      // scenario is not comparable with a new one: measured so, the new one cost up to three times
      // as much), then measured in turn, LOGGING_ROUNDS times each; the lowest CPU of each is kept,
      // since other work on the machine only ever adds to it.
      if (comparator && (!onlyScenario || '4a'.startsWith(onlyScenario))) {
        const loud = track(await startServer(`${database.name}-info`, database.db, database.env, 'info'));
        const silent = track(
          await startServer(`${database.name}-silent`, database.db, database.env, 'silent'),
        );
        const read = () => listConnectionRequests(tokens.read);
        for (const each of [loud, silent, loud, silent]) await load(each.url, read(), WARMUP_S * 2);
        const rounds: { info: Measured; quiet: Measured }[] = [];
        for (let round = 0; round < LOGGING_ROUNDS; round++) {
          const quiet = await measure(silent, read);
          rounds.push({ quiet, info: await measure(loud, read) });
        }
        await stop(silent);
        await stop(loud);
        const quiet = lowestCpu(rounds.map((r) => r.quiet));
        const info = lowestCpu(rounds.map((r) => r.info));
        const cost = Math.round((info.cpuMsPerRequest / quiet.cpuMsPerRequest - 1) * 1000) / 1000;
        logging.push({
          scenario: '4a GET connections (30)',
          database: database.name,
          info,
          silent: quiet,
          cost,
        });
        log(
          `${database.name.padEnd(15)} logging: 4a at info ${info.cpuMsPerRequest} ms/req, at silent ${quiet.cpuMsPerRequest} ms/req: ${(cost * 100).toFixed(1)}%`,
        );
      }
      const memory = memoryOf(server.process);
      notes.push(
        `${database.name}: server RSS after its scenarios ${memory.rssMb} MB (peak ${memory.peakRssMb} MB).`,
      );
      await stop(server);
      // Start-up on the existing database, measured again now that it holds the run's rows.
      const again = track(await startServer(`${database.name}-restart`, database.db, database.env));
      startup.push({ database: `${database.name} (after its run)`, ms: Math.round(again.startupMs) });
      await stop(again);
    }

    for (const database of scaleDatabases) {
      if (only && !('scale'.startsWith(only) || only.startsWith('scale'))) continue;
      const server = track(await startServer(`scale-${database.name}`, database.db, database.env));
      startup.push({ database: `${database.name}, scale`, ms: Math.round(server.startupMs) });
      const small = await token(server.url, credentials.read);
      const large = await token(server.url, credentials.scale);
      const smallList = await measure(server, () => listConnectionRequests(small));
      const largeList = await measure(server, () => scaleListRequests(large));
      const memory = memoryOf(server.process);
      measured.push({ scenario: '6 GET connections, small tenant', database: database.name, m: smallList });
      measured.push({ scenario: '6 GET connections, 261,632 rows', database: database.name, m: largeList });
      scale.push({
        database: database.name,
        tenants: SCALE_SMALL_TENANTS + 2,
        connections: 261_632,
        smallP50: smallList.p50,
        largeP50: largeList.p50,
        smallP99: smallList.p99,
        largeP99: largeList.p99,
        smallRequestsPerSecond: smallList.requestsPerSecond,
        largeRequestsPerSecond: largeList.requestsPerSecond,
        ...memory,
      });
      log(
        `scale ${database.name}: small ${smallList.requestsPerSecond} req/s p50 ${smallList.p50}; large ${largeList.requestsPerSecond} req/s p50 ${largeList.p50}; RSS ${memory.rssMb} MB (peak ${memory.peakRssMb}; anonymous ${memory.rssAnonMb}, files ${memory.rssFileMb})`,
      );
      await stop(server);
    }

    if (!flag('--no-prism') && !quick && !only) prism = await measurePrism(databases[0] as Database, work);

    const baselineAfter = await measure(baselineServer, baselineRequests);
    await stop(baselineServer);
    const baseline = Math.round((baselineBefore.requestsPerSecond + baselineAfter.requestsPerSecond) / 2);
    log(`baseline after: ${baselineAfter.requestsPerSecond} req/s`);
    const ratio = (rps: number) => Math.round((rps / baseline) * 1000) / 1000;
    rows.push({
      scenario: '0 baseline node:http',
      database: '-',
      ...baselineBefore,
      ratio: 1,
      requestsPerSecond: baseline,
    });
    for (const { scenario, database, m } of measured)
      rows.push({ scenario, database, ...m, ratio: ratio(m.requestsPerSecond) });
    if (prism && typeof prism.requestsPerSecond === 'number') {
      rows.push({
        scenario: '2 POST connection, Prism mock',
        database: 'none',
        requestsPerSecond: prism.requestsPerSecond,
        p50: prism.p50 as number,
        p99: prism.p99 as number,
        cpuMsPerRequest: prism.cpuMsPerRequest as number,
        ratio: ratio(prism.requestsPerSecond),
        non2xx: prism.non2xx as number,
        errors: prism.errors as number,
      });
    }

    const result = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      quick,
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      machine: {
        cpus: (await import('node:os')).cpus().length,
        node: process.version,
        loadBefore,
        loadAfter: loadavg(),
      },
      baseline: {
        before: baselineBefore.requestsPerSecond,
        after: baselineAfter.requestsPerSecond,
        mean: baseline,
      },
      rows,
      comparisons,
      logging,
      targets: targets(comparisons, logging, startup, scale),
      startup,
      scale,
      prism,
      notes,
    };
    const json = join(root, 'bench/results/latest.json');
    writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
    // In the house format, so that `npm run lint` (which covers bench/) stays clean after a run.
    try {
      execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', json], { stdio: 'ignore' });
    } catch {
      log('  (biome could not format latest.json; `npm run format` will)');
    }
    writeFileSync(join(root, 'bench/results/latest.svg'), renderChart(rows, result));
    process.stdout.write(`${table(rows)}\n\n`);
    process.stdout.write(`${comparisonTable(comparisons)}\n\n`);
    process.stdout.write(`${targetTable(result.targets)}\n`);
    process.stdout.write(
      `\nstart-up to the first answered request: ${startup.map((s) => `${s.database} ${s.ms} ms`).join('; ')}\n`,
    );
    for (const note of notes) process.stdout.write(`${note}\n`);
    process.stdout.write(
      `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    process.stdout.write('written: bench/results/latest.json, bench/results/latest.svg\n');
  } finally {
    await cleanup();
  }

  async function withStoreCount(file: string): Promise<number> {
    let count = 0;
    await withStore(file, async (store) => {
      count = await setUpScale(store, SCALE_SMALL_TENANTS);
    });
    return count;
  }

  /** The same POST against Stoplight Prism mocking our OpenAPI document: no state, no database. */
  async function measurePrism(database: Database, folder: string): Promise<Record<string, unknown>> {
    const server = track(await startServer('openapi', database.db, database.env));
    const document = await (await fetch(`${server.url}/openapi.json`)).text();
    await stop(server);
    const file = join(folder, 'openapi.json');
    writeFileSync(file, document);
    const port = await freePort();
    const child = spawn(
      'npx',
      [
        '-y',
        '@stoplight/prism-cli@5',
        'mock',
        file,
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '--errors',
        'false',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    const prismServer: Server = {
      name: 'prism',
      url: `http://127.0.0.1:${port}`,
      process: child,
      startupMs: 0,
      stop: () =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          // npx runs prism as its child: end the group npx leads.
          if (child.pid) process.kill(-child.pid, 'SIGTERM');
        }),
    };
    track(prismServer);
    try {
      await waitForLine(child, /Prism is listening|listening on/i, 120_000);
      const version = execFileSync('npx', ['-y', '@stoplight/prism-cli@5', '--version']).toString().trim();
      const m = await measure(prismServer, () => [
        {
          method: 'POST',
          path: '/v1/entity-connections',
          headers: {
            authorization: 'Bearer 0123456789abcdef0123456789abcdef',
            'content-type': 'application/json',
            'idempotency-key': 'k',
          },
          body: JSON.stringify({ targetEntityId: '8a80825556ff28a4015708ba29312ecc' }),
        },
      ]);
      log(
        `prism ${version}: ${m.requestsPerSecond} req/s p50 ${m.p50} p99 ${m.p99}${m.non2xx ? ` non-2xx ${m.non2xx}` : ''}`,
      );
      // npx is the process we hold, not Prism (its child): Prism's CPU time is not known here.
      return { version, ...m, cpuMsPerRequest: -1 };
    } catch (error) {
      const message = (error as Error).message.slice(0, 2000);
      log(`prism: ${message}`);
      return { error: message };
    } finally {
      await stop(prismServer);
    }
  }
}

export function table(rows: Row[]): string {
  const header = ['scenario', 'database', 'req/s', 'p50 ms', 'p99 ms', 'x baseline', 'CPU ms/req', 'non-2xx'];
  const body = rows.map((r) => [
    r.scenario,
    r.database,
    String(r.requestsPerSecond),
    String(r.p50),
    String(r.p99),
    `${(r.ratio * 100).toFixed(1)}%`,
    r.cpuMsPerRequest < 0 ? 'n/a' : r.cpuMsPerRequest.toFixed(3),
    String(r.non2xx + r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i >= 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
  /** The 1-minute load average when it was measured (the run itself keeps both cores busy). */
  load1?: number;
}

/** Issue 16's targets, each with what this run measured. */
function targets(
  comparisons: Comparison[],
  logging: LoggingCost[],
  startup: { database: string; ms: number }[],
  scale: Record<string, unknown>[],
): Target[] {
  const list: Target[] = [];
  for (const c of comparisons) {
    list.push({
      target: `${c.database}: ${c.scenario}, CPU ≤ ${c.cpuRatioTarget}x the comparator's`,
      measured: `${c.cpuRatio}x (${us(c.multientity.cpuMsPerRequest)} against ${us(c.comparator.cpuMsPerRequest)} µs)`,
      met: c.cpuRatio <= c.cpuRatioTarget,
      load1: c.comparator.load1,
    });
    list.push({
      target: `${c.database}: ${c.scenario}, p99 ≤ ${P99_RATIO_TARGET}x the comparator's`,
      measured: `${c.p99Ratio}x (${c.multientity.p99} against ${c.comparator.p99} ms)`,
      met: c.p99Ratio <= P99_RATIO_TARGET,
      load1: c.comparator.load1,
    });
  }
  for (const l of logging) {
    list.push({
      target: `${l.database}: logging at info ≤ ${LOGGING_COST_TARGET * 100}% over silent (${l.scenario})`,
      measured: `${(l.cost * 100).toFixed(1)}% (${us(l.info.cpuMsPerRequest)} against ${us(l.silent.cpuMsPerRequest)} µs)`,
      met: l.cost <= LOGGING_COST_TARGET,
      load1: l.info.load1,
    });
  }
  for (const entry of scale) {
    const peak = entry.peakRssMb as number;
    list.push({
      target: `${entry.database}: RSS at scale (${entry.tenants} tenants, 261,632 connections) < 200 MB at peak`,
      measured: `${peak} MB (now ${entry.rssMb} MB)`,
      met: peak < 200,
    });
  }
  if (startup.length > 0) {
    const slowest = Math.max(...startup.map((s) => s.ms));
    list.push({
      target: 'start-up on an existing database < 1 s',
      measured: `${Math.min(...startup.map((s) => s.ms))} to ${slowest} ms`,
      met: slowest < 1000,
    });
  }
  return list;
}

const us = (ms: number) => Math.round(ms * 1000);

function markdown(header: string[], body: string[][], rightFrom: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i >= rightFrom ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

export function comparisonTable(comparisons: Comparison[]): string {
  return markdown(
    [
      'scenario',
      'database',
      'multientity µs/req',
      'comparator µs/req',
      'CPU ratio',
      'target',
      'multientity p99 ms',
      'comparator p99 ms',
      'p99 ratio',
      'req/s (m / c)',
      'load',
    ],
    comparisons.map((c) => [
      c.scenario,
      c.database,
      String(us(c.multientity.cpuMsPerRequest)),
      String(us(c.comparator.cpuMsPerRequest)),
      `${c.cpuRatio.toFixed(2)}x`,
      `${c.cpuRatioTarget}x`,
      String(c.multientity.p99),
      String(c.comparator.p99),
      `${c.p99Ratio.toFixed(2)}x`,
      `${c.multientity.requestsPerSecond} / ${c.comparator.requestsPerSecond}`,
      c.comparator.load1.toFixed(2),
    ]),
    2,
  );
}

export function targetTable(list: Target[]): string {
  return markdown(
    ['target', 'measured', 'met', 'load'],
    list.map((t) => [
      t.target,
      t.measured,
      t.met ? 'yes' : 'no',
      t.load1 === undefined ? '' : t.load1.toFixed(2),
    ]),
    3,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
