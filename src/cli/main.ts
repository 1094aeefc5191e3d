import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { ConfigError, loadConfig } from '../config.js';
import { FixtureError } from '../domain/fixture-plan.js';
import { isPostgresUrl } from '../storage/open-store.js';
import { registerAdminCommands } from './admin.js';
import { credentialsPath, demoExports, isReadmeDemo, localUrl, readDemoCredentials } from './demo-env.js';
import { DatabaseOpenError, openStoreForCli } from './open-database.js';
import { operatorTokenPath, StartError, serve } from './serve.js';

function fail(error: unknown): never {
  if (error instanceof FixtureError) process.stderr.write(`Invalid fixture: ${error.message}\n`);
  else if (error instanceof ConfigError) process.stderr.write(`Invalid configuration: ${error.message}\n`);
  else if (error instanceof StartError) process.stderr.write(`Cannot start: ${error.message}\n`);
  else if (error instanceof DatabaseOpenError)
    process.stderr.write(`Cannot open the database: ${error.message}\n`);
  else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

/** The settings `serve` reads only from the environment (src/config.ts; docs/CONFIGURATION.md). */
const SERVE_ENVIRONMENT_HELP = `
Settings only in the environment:
  MULTIENTITY_OPERATOR_TOKEN   the admin API's bearer token, 16 characters or more
                               (default: made on the first start, kept in
                               operator-token.json beside the database)
  MULTIENTITY_LIMITS           Zuora's limits for tenants without their own: off,
                               production, developer-sandbox or api-sandbox
                               (default off)
  MULTIENTITY_DURABILITY       process: a write survives a crash of the server;
                               full: a power loss too (default process)
  MULTIENTITY_BODY_LIMIT       largest request body in bytes, after gzip
                               (default 1048576)
  MULTIENTITY_JOURNAL_SIZE     requests kept in each tenant's journal; 0: none
                               (default 1000)
  MULTIENTITY_IDEMPOTENCY_BODY_MISMATCH
                               a reused Idempotency-Key with another body:
                               reject (422) or replay (default reject)
  MULTIENTITY_PG_POOL_SIZE     PostgreSQL connections per instance (default 10)
  MULTIENTITY_PG_PREPARED_STATEMENTS
                               on: each statement prepared once per connection;
                               off: behind PgBouncer before 1.21 (default on)

Every setting: docs/CONFIGURATION.md`;

/**
 * `multientity env`: the README's variables again, for `eval "$(npx multientity env)"`. It reads
 * what `serve` keeps beside a SQLite database and opens no database, so it runs beside a serving one.
 */
function printEnv(options: { port?: string; host?: string; db?: string }): void {
  const config = loadConfig(process.env, options);
  const base = localUrl(config.host, config.port);
  const tokenFile = operatorTokenPath(config);
  const operatorToken =
    config.operatorToken ??
    (tokenFile && existsSync(tokenFile)
      ? (JSON.parse(readFileSync(tokenFile, 'utf8')) as { operatorToken?: string }).operatorToken
      : undefined);
  const credentials = readDemoCredentials(config);
  const file = credentialsPath(config);
  if (config.db === ':memory:') {
    process.stderr.write(
      'With --db :memory: every start has a new demo tenant: its start printed its variables.\n',
    );
    process.exit(1);
  }
  if (file !== null && credentials === null) {
    process.stderr.write(
      `No demo tenant beside ${config.db}: \`multientity serve\` (npm start) creates it on its first start on an empty database.\n`,
    );
    process.exit(1);
  }
  if (credentials !== null && !isReadmeDemo(credentials)) {
    process.stderr.write(
      `The demo tenant beside ${config.db} predates the README's tenant: start on an empty database to get it.\n`,
    );
    process.exit(1);
  }
  if (credentials === null) {
    // PostgreSQL: nothing is kept beside it, and the database holds only the secrets' hashes.
    process.stderr.write(
      "The demo's client secrets were printed on its first start; they are not kept for PostgreSQL.\n",
    );
  }
  process.stdout.write(
    `# The README's variables for ${base} (multientity env)\n${demoExports(base, credentials ?? {}, operatorToken).join('\n')}\n`,
  );
}

export function createProgram(): Command {
  const program = new Command('multientity')
    .description("A self-hostable server for Zuora's Multi-entity REST API")
    .version(packageJson.version, '-V, --version', 'print the version');

  program
    .command('serve')
    .description('Serve the API (what `npm start` runs)')
    .option('--port <port>', 'port to listen on (MULTIENTITY_PORT, PORT; default 8080)')
    .option('--host <host>', 'address to listen on (MULTIENTITY_HOST, HOST; default 127.0.0.1)')
    .option(
      '--db <db>',
      'SQLite file path, :memory: or postgres:// URL (MULTIENTITY_DB, DATABASE_URL; default ./data/multientity.db)',
    )
    .option('--fixture <file>', 'load this fixture file on start (MULTIENTITY_FIXTURE)')
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug, trace or silent (LOG_LEVEL; default info)',
    )
    .option(
      '--log-format <format>',
      'auto (readable at a terminal, JSON otherwise), json or pretty (MULTIENTITY_LOG_FORMAT; default auto)',
    )
    .addHelpText('after', SERVE_ENVIRONMENT_HELP)
    .action(async (options) => {
      await serve(options).catch(fail);
    });

  program
    .command('migrate')
    .description('Bring the database schema up to date, then exit')
    .option('--db <db>', 'SQLite file path or postgres:// URL (MULTIENTITY_DB, DATABASE_URL)')
    .option('--create', 'create the SQLite file (and its folder) when it does not exist')
    .action(async (options: { db?: string; create?: boolean }) => {
      try {
        const { create, ...rest } = options;
        const store = await openStoreForCli(loadConfig(process.env, rest), { mustExist: !create });
        await store.close();
        process.stdout.write('database schema is up to date\n');
      } catch (error) {
        fail(error);
      }
    });

  program
    .command('copy-sqlite-to-postgres')
    .description('Copy every row of a SQLite database into an empty PostgreSQL database, then exit')
    .requiredOption('--from <file>', 'the SQLite database file')
    .requiredOption('--to <url>', 'the PostgreSQL database, as a postgres:// URL; it must hold no rows')
    .action(async (options: { from: string; to: string }) => {
      // Imported here, not above: `serve` on SQLite then never loads the pg driver (start-up).
      const { CopyError, copySqliteToPostgres } = await import('../storage/postgres/copy-from-sqlite.js');
      try {
        if (!isPostgresUrl(options.to))
          throw new CopyError(`--to must be a postgres:// URL; got '${options.to}'`);
        const copied = await copySqliteToPostgres(options);
        for (const { table, rows } of copied) process.stdout.write(`${table}: ${rows} rows\n`);
        process.stdout.write(`copied ${options.from} into PostgreSQL\n`);
      } catch (error) {
        if (error instanceof CopyError) {
          process.stderr.write(`Cannot copy: ${error.message}\n`);
          process.exit(1);
        }
        fail(error);
      }
    });

  program
    .command('env')
    .description(
      'Print `export` lines of the variables the README\'s examples use (the demo tenant\'s ids and client secrets, the operator token): eval "$(npx multientity env)"',
    )
    .option('--port <port>', 'the port the server listens on (PORT; default 8080)')
    .option('--host <host>', 'the address it listens on (HOST; default 127.0.0.1)')
    .option(
      '--db <db>',
      'its database, beside which serve keeps the secrets (MULTIENTITY_DB, DATABASE_URL; default ./data/multientity.db)',
    )
    .action((options) => {
      try {
        printEnv(options);
      } catch (error) {
        fail(error);
      }
    });

  registerAdminCommands(program);

  return program;
}

await createProgram().parseAsync(process.argv);
