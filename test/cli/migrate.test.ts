import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { before, describe, it, type TestContext } from '../helpers/node-test.js';
import { buildCli, runCli, startServer } from '../helpers/server-process.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'multientity-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The migrations a database file has run, and its tables. */
function schemaOf(file: string) {
  const db = new SqliteDatabase(file, { readonly: true });
  try {
    return {
      migrations: (
        db.prepare('select name from kysely_migration order by name').all() as { name: string }[]
      ).map((row) => row.name),
      tables: (
        db.prepare("select name from sqlite_master where type = 'table' order by name").all() as {
          name: string;
        }[]
      ).map((row) => row.name),
    };
  } finally {
    db.close();
  }
}

/** What the code in this checkout considers up to date: a store it opens itself. */
async function latestSchema(dir: string) {
  const file = join(dir, 'reference.db');
  const store = await createSqliteStore({ path: file });
  await store.close();
  return schemaOf(file);
}

before(async () => {
  await buildCli();
});

describe('multientity migrate', () => {
  it('brings a new database file up to date with --create, says so and exits 0', async (t) => {
    const dir = tempDir(t);
    const db = join(dir, 'nested', 'migrated.db');
    const result = await runCli({ command: 'migrate', args: ['--db', db, '--create'] });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'database schema is up to date\n');
    const schema = schemaOf(db);
    assert.deepEqual(schema, await latestSchema(dir));
    assert.ok(schema.migrations.includes('0001_initial'));
    assert.ok(schema.tables.includes('entity_connections'));
  });

  it('changes nothing on a database that is already up to date', async (t) => {
    const dir = tempDir(t);
    const db = join(dir, 'twice.db');
    assert.equal((await runCli({ command: 'migrate', args: ['--db', db, '--create'] })).code, 0);
    const schemaBefore = schemaOf(db);
    const again = await runCli({ command: 'migrate', args: ['--db', db] });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(schemaOf(db), schemaBefore);
  });

  it('reads MULTIENTITY_DB when --db is not given', async (t) => {
    const dir = tempDir(t);
    const db = join(dir, 'from-env.db');
    const result = await runCli({ command: 'migrate', args: ['--create'], env: { MULTIENTITY_DB: db } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(schemaOf(db), await latestSchema(dir));
  });

  it('leaves a database that serve then starts on, creating the demo tenant', async (t) => {
    const dir = tempDir(t);
    const db = join(dir, 'data', 'multientity.db');
    assert.equal((await runCli({ command: 'migrate', args: ['--db', db, '--create'] })).code, 0);
    const server = await startServer({ args: ['--port', '0', '--db', db, '--log-level', 'silent'], t });
    assert.match(server.stdout(), /client_id:\s+\S{36}/);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });

  it('refuses a SQLite file that does not exist without --create: exit 1, one line, nothing created', {
    timeout: 60_000,
  }, async (t) => {
    const dir = tempDir(t);
    const db = join(dir, 'nonexistent', 'dir', 'x.db');
    const result = await runCli({ command: 'migrate', args: ['--db', db] });
    assert.equal(result.code, 1, result.stdout);
    assert.equal(
      result.stderr,
      `Cannot open the database: no SQLite database at ${db}: give --create to make a new one\n`,
    );
    assert.equal(existsSync(join(dir, 'nonexistent')), false);
  });

  for (const command of ['migrate', 'serve'] as const) {
    it(`${command}: an unreachable PostgreSQL is one line naming the host and the driver's reason, exit 1`, {
      timeout: 60_000,
    }, async () => {
      // Port 1 on loopback: nothing listens there, so the driver's connect is refused at once.
      const url = 'postgres://postgres@127.0.0.1:1/multientity';
      const args =
        command === 'serve' ? ['--db', url, '--port', '0', '--log-level', 'silent'] : ['--db', url];
      const result = await runCli({ command, args });
      assert.equal(result.code, 1, result.stdout);
      assert.match(
        result.stderr,
        /^Cannot open the database: PostgreSQL at 127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/,
      );
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('stops with exit code 1 and a message when the database cannot be opened', async (t) => {
    const dir = tempDir(t);
    // A directory where the file should be.
    const result = await runCli({ command: 'migrate', args: ['--db', dir] });
    assert.equal(result.code, 1);
    assert.notEqual(result.stderr, '');
    assert.doesNotMatch(result.stdout, /up to date/);
  });
});
