import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root: where package.json and bin/ are. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built CLI, as `npm start` and the package's `bin` run it. */
export const cliPath = join(repoRoot, 'bin', 'multientity.js');

/**
 * The server's own environment variables (MULTIENTITY_* and the generic PORT, HOST, DATABASE_URL,
 * LOG_LEVEL) are removed from what a child inherits, so that a developer's shell (PORT=3000,
 * LOG_LEVEL=debug…) cannot change what a test sees; a test passes the ones it means through `env`.
 */
const GENERIC_VARIABLES = ['PORT', 'HOST', 'DATABASE_URL', 'LOG_LEVEL'];

function childEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of Object.keys(base)) {
    if (name.startsWith('MULTIENTITY_') || GENERIC_VARIABLES.includes(name)) delete base[name];
  }
  return { ...base, ...env };
}

/**
 * Runs `npm run build` (the bundle in dist/), which the CLI imports. Call once, in a `before` hook.
 * `npm test` builds once before its files run in parallel and sets MULTIENTITY_TEST_BUILT, so that
 * no file rewrites dist/ while another's server loads it.
 */
export async function buildCli(): Promise<void> {
  if (process.env.MULTIENTITY_TEST_BUILT === '1') return;
  try {
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: repoRoot, timeout: 120_000 });
  } catch (error) {
    // tsc reports type errors on stdout.
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed:\n${stdout}${stderr}`, { cause: error });
  }
}

/**
 * Ports reserved by test processes, one file per port holding the pid of the process that holds it:
 * files run in parallel (and other checkouts' test runs on the same machine), and a port that one
 * of them found free may be taken by another before its server binds it.
 */
const PORT_LOCKS = join(tmpdir(), 'multientity-test-ports');
const reservedPorts = new Set<string>();
process.once('exit', () => {
  for (const path of reservedPorts) rmSync(path, { force: true });
});

/**
 * The system hands out ports for `listen(0)` and for outgoing connections from this range; the
 * ports freePort gives are below it, so that no server on port 0 and no connection takes them.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (low > 12_000) return low;
  } catch {
    // Not Linux: its default range starts here too (IANA's dynamic ports begin at 49152).
  }
  return 32_768;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the port's lock file, or takes over one whose process has exited; false if it is held. */
function reserve(port: number): boolean {
  const path = join(PORT_LOCKS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      reservedPorts.add(path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8'));
      if (!Number.isInteger(holder) || holder <= 0 || alive(holder)) return false;
      rmSync(path, { force: true });
    }
  }
  return false;
}

async function bindable(port: number): Promise<boolean> {
  const server = createServer();
  // 0.0.0.0: a listener on any local address (127.0.0.2 as some tests use) makes the bind fail.
  server.listen(port, '0.0.0.0');
  const listening = await Promise.race([
    once(server, 'listening').then(() => true),
    once(server, 'error').then(() => false),
  ]);
  if (listening) {
    server.close();
    await once(server, 'close');
  }
  return listening;
}

/**
 * A port for tests of --port and PORT, where 0 cannot show the value: free now, and given to no
 * other caller of freePort (in this or another test process) until this process exits.
 */
export async function freePort(): Promise<number> {
  mkdirSync(PORT_LOCKS, { recursive: true });
  const high = ephemeralLow();
  const low = high - 10_000;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = randomInt(low, high);
    if (!reserve(port)) continue;
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${low} and ${high} after 100 tries`);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  /** The URL the server printed ("… serving … on http://localhost:PORT"). */
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** stdout lines that are JSON: pino's log records. */
  logs(): Record<string, unknown>[];
  /** Resolves when stdout holds a line the predicate accepts (with a timeout). */
  waitForOutput(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /**
   * Sends a signal (SIGTERM unless told) to the process group, then waits for the exit. A process
   * still alive after `timeoutMs` gets SIGKILL and the promise rejects.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

export interface StartOptions {
  /** Arguments after the command, e.g. ['--port', '0', '--db', file]. */
  args?: string[];
  /** The subcommand; `serve` unless told. */
  command?: string;
  /** Variables added to the child's environment (the server's own are cleared first, see above). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run `npm start -- <args>` instead of `node bin/multientity.js <command> <args>`. */
  viaNpm?: boolean;
  /** How long to wait for the URL line. */
  timeoutMs?: number;
  /** When given, the process is stopped (SIGKILL if it must) after the test. */
  t?: TestContext;
}

/**
 * How long to wait for a start, an output line or an exit before failing. A start takes about a
 * second of CPU; on a shared, busy machine that has stretched past 10 s of wall time.
 */
const PATIENCE_MS = 60_000;

const live = new Set<ChildProcess>();
// A test runner that dies must not leave servers behind.
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Detached: the child leads its own process group, so `npm start` and the node it runs both get it.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function spawnCli(options: StartOptions): ChildProcess {
  const args = options.args ?? [];
  const [file, argv] = options.viaNpm
    ? ['npm', ['start', '--silent', '--', ...args]]
    : [process.execPath, [cliPath, options.command ?? 'serve', ...args]];
  const child = spawn(file, argv, {
    cwd: options.cwd ?? repoRoot,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function collect(child: ChildProcess) {
  let stdout = '';
  let stderr = '';
  let exit: Exit | undefined;
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
      for (const listener of listeners) listener();
    });
  });
  return { stdout: () => stdout, stderr: () => stderr, exit: () => exit, listeners, exited };
}

/**
 * Starts the built CLI (`serve` unless told) and resolves once it has printed the URL it serves on,
 * which is after it listens. Rejects with its output if it exits first or takes too long. Any number
 * may run at once, e.g. several servers on one PostgreSQL database.
 */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const child = spawnCli(options);
  const output = collect(child);

  const waitForOutput = (predicate: (line: string) => boolean, timeoutMs = PATIENCE_MS) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = output.stdout().split('\n').find(predicate);
        if (line !== undefined) return finish(() => resolve(line));
        const exit = output.exit();
        if (exit)
          finish(() =>
            reject(
              new Error(
                `the server exited (${JSON.stringify(exit)}) before the expected output\n` +
                  `stdout:\n${output.stdout()}\nstderr:\n${output.stderr()}`,
              ),
            ),
          );
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `no expected output after ${timeoutMs} ms\nstdout:\n${output.stdout()}\nstderr:\n${output.stderr()}`,
              ),
            ),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        output.listeners.delete(check);
        settle();
      };
      output.listeners.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = PATIENCE_MS): Promise<Exit> => {
    killGroup(child, signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        killGroup(child, 'SIGKILL');
        reject(new Error(`the server did not exit within ${timeoutMs} ms of ${signal}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([output.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  options.t?.after(async () => {
    if (output.exit() === undefined) await stop('SIGKILL');
  });

  let urlLine: string;
  try {
    urlLine = await waitForOutput((line) => / serving .* on https?:\/\//.test(line), options.timeoutMs);
  } catch (error) {
    killGroup(child, 'SIGKILL');
    throw error;
  }
  const url = /(https?:\/\/\S+)/.exec(urlLine)?.[1] ?? '';
  return {
    url,
    port: Number(new URL(url).port),
    child,
    stdout: output.stdout,
    stderr: output.stderr,
    logs: () =>
      output
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    waitForOutput,
    exited: output.exited,
    stop,
  };
}

export interface CliRun extends Exit {
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI to its end (`migrate`, or a `serve` expected to fail) and gives its exit and output.
 * A run that does not end within `timeoutMs` is killed and rejects.
 */
export async function runCli(options: StartOptions & { timeoutMs?: number }): Promise<CliRun> {
  const child = spawnCli(options);
  const output = collect(child);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(
        new Error(
          `the CLI did not exit within ${options.timeoutMs ?? PATIENCE_MS} ms\nstdout:\n${output.stdout()}\nstderr:\n${output.stderr()}`,
        ),
      );
    }, options.timeoutMs ?? PATIENCE_MS);
  });
  try {
    const exit = await Promise.race([output.exited, timeout]);
    return { ...exit, stdout: output.stdout(), stderr: output.stderr() };
  } finally {
    clearTimeout(timer);
  }
}
