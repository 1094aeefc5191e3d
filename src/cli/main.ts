import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { FixtureError } from '../domain/fixture-plan.js';
import { isPostgresUrl } from '../storage/open-store.js';
import { registerAdminCommands } from './admin.js';
import { DatabaseOpenError, openStoreForCli } from './open-database.js';
import { StartError, serve } from './serve.js';

function fail(error: unknown): never {
  if (error instanceof FixtureError) process.stderr.write(`Invalid fixture: ${error.message}\n`);
  else if (error instanceof ConfigError) process.stderr.write(`Invalid configuration: ${error.message}\n`);
  else if (error instanceof StartError) process.stderr.write(`Cannot start: ${error.message}\n`);
  else if (error instanceof DatabaseOpenError)
    process.stderr.write(`Cannot open the database: ${error.message}\n`);
  else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

export function createProgram(): Command {
  const program = new Command('multientity').description(
    "A self-hostable server for Zuora's Multi-entity REST API",
  );

  program
    .command('serve')
    .description('Serve the API (what `npm start` runs)')
    .option('--port <port>', 'port to listen on (PORT; default 8080)')
    .option('--host <host>', 'address to listen on (HOST; default 127.0.0.1)')
    .option(
      '--db <db>',
      'SQLite file path, :memory: or postgres:// URL (MULTIENTITY_DB, DATABASE_URL; default ./data/multientity.db)',
    )
    .option('--fixture <file>', 'load this fixture file on start (MULTIENTITY_FIXTURE)')
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug, trace or silent (LOG_LEVEL; default info)',
    )
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

  registerAdminCommands(program);

  return program;
}

await createProgram().parseAsync(process.argv);
