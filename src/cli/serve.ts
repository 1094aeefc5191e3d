import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { type Config, loadConfig } from '../config.js';
import { demoFixture, demoSecrets } from '../domain/demo-tenant.js';
import { loadFixture } from '../domain/fixture-loader.js';
import { FixtureError } from '../domain/fixture-plan.js';
import { buildApp } from '../http/app.js';
import { loggerOptions } from '../http/log-redaction.js';
import { createServices, type Services } from '../services.js';
import { isPostgresUrl } from '../storage/open-store.js';
import {
  type DemoCredentials,
  demoCredentials,
  demoEntityId,
  demoExports,
  isReadmeDemo,
  readDemoCredentials,
  writeDemoCredentials,
} from './demo-env.js';
import { TurnDestination } from './log-destination.js';
import { openStoreForCli } from './open-database.js';
import { prettyDestination, usePretty } from './pretty-log.js';

export interface ServeOptions {
  port?: string;
  host?: string;
  db?: string;
  fixture?: string;
  logLevel?: string;
  logFormat?: string;
}

/** How often expired tokens and idempotency keys are removed. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * How long a shutdown waits for requests under way before closing their connections. Node would
 * otherwise wait for a stalled upload up to its 300 s request timeout; 10 s is well inside the grace
 * period supervisors give (Kubernetes 30 s, systemd 90 s). An acknowledged write is durable either way.
 */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * How long a shutdown waits for the database to close (its last fsync, the checkpointing thread)
 * before the process exits anyway: what was acknowledged is already in the WAL or committed.
 */
const STORE_CLOSE_TIMEOUT_MS = 10_000;

interface OperatorToken {
  token: string;
  /** Where it came from, for the banner. */
  source: 'environment' | 'file' | 'new';
  file: string | null;
}

export function operatorTokenPath(config: Config): string | null {
  if (config.db === ':memory:' || isPostgresUrl(config.db)) return null;
  return join(dirname(config.db), 'operator-token.json');
}

/**
 * The admin API's token: MULTIENTITY_OPERATOR_TOKEN, else the one made on the first start and kept
 * beside the database (mode 0600), else a new random one. Never a fixed default, so no two installs
 * share it. `:memory:` and PostgreSQL without the variable get a fresh one on every start.
 */
function resolveOperatorToken(config: Config): OperatorToken {
  if (config.operatorToken) return { token: config.operatorToken, source: 'environment', file: null };
  const file = operatorTokenPath(config);
  if (file && existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { operatorToken?: unknown };
    if (typeof stored.operatorToken === 'string' && stored.operatorToken.length >= 16) {
      return { token: stored.operatorToken, source: 'file', file };
    }
  }
  const token = randomBytes(30).toString('base64url');
  if (file) {
    writeFileSync(file, `${JSON.stringify({ operatorToken: token }, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { token, source: 'new', file };
}

async function seed(config: Config, services: Services): Promise<DemoCredentials | null> {
  if (config.fixture) {
    let text: string;
    try {
      text = readFileSync(config.fixture, 'utf8');
    } catch (error) {
      throw new FixtureError(config.fixture, `cannot read the file: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new FixtureError(config.fixture, `not valid JSON: ${(error as Error).message}`);
    }
    await loadFixture(services.store, services.clock, parsed);
    return null;
  }
  if ((await services.store.listTenants()).length > 0) return readDemoCredentials(config);
  // First start on an empty database: the README's tenant, whose secrets are shown now and kept
  // beside the database (demo-env.ts) so later starts and `multientity env` can show them again.
  const secrets = demoSecrets(services.ids);
  await loadFixture(services.store, services.clock, demoFixture(secrets));
  const credentials = demoCredentials(secrets);
  writeDemoCredentials(config, credentials);
  return credentials;
}

function banner(url: string, demo: DemoCredentials | null, operator: OperatorToken): string {
  const lines = [
    `multientity is serving the Zuora Multi-entity API on ${url}`,
    `  OpenAPI document: ${url}/openapi.json; try it in a browser: ${url}/docs`,
    '',
    operator.source === 'environment'
      ? `Admin API: ${url}/admin/v1 with the operator token from MULTIENTITY_OPERATOR_TOKEN`
      : `Admin API: ${url}/admin/v1 with the operator token (${operator.file ? `kept in ${operator.file}` : 'new on every start; set MULTIENTITY_OPERATOR_TOKEN to fix it'}):`,
  ];
  if (operator.source !== 'environment') lines.push(`  Authorization: Bearer ${operator.token}`);
  if (demo && isReadmeDemo(demo)) {
    lines.push(
      '',
      `Demo tenant ${demo.tenantId} (Acme), the README's tenant. Its client for admin@acme.test:`,
      `  client_id:     ${demo.clientId}`,
      `  client_secret: ${demo.clientSecret}`,
      '',
      'The README\'s examples use these variables; `eval "$(npx multientity env)"` sets them again later:',
      // A token from the environment is never printed: the shell that set it can name it.
      ...demoExports(url, demo, operator.source === 'environment' ? undefined : operator.token).map(
        (line) => `  ${line}`,
      ),
      ...(operator.source === 'environment' ? ['  export OPERATOR_TOKEN="$MULTIENTITY_OPERATOR_TOKEN"'] : []),
      '',
      'Get a token:',
      `  curl -s -X POST ${url}/oauth/token -d client_id=${demo.clientId} -d 'client_secret=${demo.clientSecret}' -d grant_type=client_credentials`,
      '',
      'With TOKEN set to its access_token, ask the global entity to connect to Acme-EU:',
      `  curl -s -X POST ${url}/v1/entity-connections -H "Authorization: Bearer $TOKEN" \\`,
      `    -H 'Zuora-Entity-Ids: ${demo.globalEntityId}' -H 'Content-Type: application/json' \\`,
      `    -d '{"targetEntityId":"${demoEntityId('Acme-EU')}"}'`,
    );
  } else if (demo) {
    // A demo tenant made by a version before the README's: its client still works, the README's ids do not.
    lines.push(
      '',
      'Demo tenant OAuth client:',
      `  client_id:     ${demo.clientId}`,
      `  client_secret: ${demo.clientSecret}`,
      '',
      "This database's demo tenant predates the README's tenant: start on an empty database to get the",
      "tenant the README's examples use.",
    );
  }
  return lines.join('\n');
}

/** A start that failed for a reason the user can fix; the CLI prints the message alone. */
export class StartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartError';
  }
}

function listenError(error: unknown, config: Config): unknown {
  const where = `${config.host}:${config.port}`;
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new StartError(`${where} is already in use: choose another --port (PORT)`, { cause: error });
    case 'EACCES':
      return new StartError(`no permission to listen on ${where}`, { cause: error });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new StartError(`'${config.host}' is not an address of this machine (--host, HOST)`, {
        cause: error,
      });
    default:
      return error;
  }
}

/**
 * How the server is hosted. The CLI owns its process: signals stop it, the banner goes to stdout.
 * The test kit (src/testing) embeds it in a test's process, which it must leave as it found it.
 */
export interface ServeHost {
  /** No SIGTERM/SIGINT handlers and no banner; stopped by the returned `close`. */
  embedded?: boolean;
}

/** `multientity serve`: what `npm start` runs. Resolves once the server listens. */
export async function serve(
  options: ServeOptions,
  env: NodeJS.ProcessEnv = process.env,
  host: ServeHost = {},
) {
  const config = loadConfig(env, options);
  // Off the request's path: the lines of one turn of the event loop are written to stdout together,
  // asynchronously (log-destination.ts), flushed by the signal handlers below. At a terminal,
  // readable lines instead (pretty-log.ts).
  const logger = usePretty(config.logFormat, process.stdout)
    ? pino(loggerOptions(config.logLevel), prettyDestination(process.stdout, !process.env.NO_COLOR))
    : pino(loggerOptions(config.logLevel), new TurnDestination(1));
  const store = await openStoreForCli(config);
  const services = createServices({ store, config });
  let demo: DemoCredentials | null;
  try {
    demo = await seed(config, services);
  } catch (error) {
    await store.close();
    throw error;
  }
  const operator = resolveOperatorToken(config);
  const app = await buildApp({ services, config: { ...config, operatorToken: operator.token }, logger });
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    await store.close();
    throw listenError(error, config);
  }
  const url = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');

  const sweep = () => {
    Promise.all([services.idempotency.sweep(), store.deleteExpiredTokens(services.clock.now())]).catch(
      (error) => logger.warn({ err: error }, 'sweep of expired keys and tokens failed'),
    );
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  timer.unref();

  let closing: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    closing ??= (async () => {
      logger.info({ signal }, 'draining in-flight requests, then closing the database');
      clearInterval(timer);
      const deadline = setTimeout(() => {
        logger.warn(
          { drainTimeoutMs: DRAIN_TIMEOUT_MS },
          'closing connections whose requests are still under way',
        );
        app.server.closeAllConnections();
      }, DRAIN_TIMEOUT_MS);
      deadline.unref();
      await app.close(); // waits for in-flight requests; new ones get 503
      clearTimeout(deadline);
      let closeTimer: NodeJS.Timeout | undefined;
      const closedInTime = await Promise.race([
        store.close().then(() => true),
        new Promise<boolean>((resolve) => {
          closeTimer = setTimeout(() => resolve(false), STORE_CLOSE_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(closeTimer);
      if (!closedInTime)
        logger.warn({ timeoutMs: STORE_CLOSE_TIMEOUT_MS }, 'the database did not close in time');
    })();
    return closing;
  };
  if (host.embedded) {
    return { app, store, url, operatorToken: operator.token, close: () => shutdown('close') };
  }
  // Installed before the URL is printed: a supervisor may send SIGTERM as soon as it sees the server
  // ready, and a signal with no handler yet would kill the process without draining.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // The log is written asynchronously: exit once what was logged is written, in order.
      const exit = (code: number) => {
        logger.flush(() => process.exit(code));
        // Should the write never finish (stdout gone), exit anyway.
        setTimeout(() => process.exit(code), 2_000);
      };
      shutdown(signal).then(
        () => exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          exit(1);
        },
      );
    });
  }
  process.stdout.write(`${banner(url, demo, operator)}\n`);
  return { app, store, url, operatorToken: operator.token, close: () => shutdown('close') };
}
