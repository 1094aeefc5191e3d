import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Store } from '../../src/domain/ports/index.js';
import { createPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

/**
 * The databases every store-contract and HTTP suite runs against, once each. A suite writes
 * `for (const database of testDatabases) describe(database.name, () => { ... })` and opens a fresh,
 * empty store per test with `database.openStore()`.
 */
export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** A new, empty, migrated store of its own. */
  openStore(): Promise<Store>;
}

export const sqliteDatabase: TestDatabase = {
  name: 'sqlite',
  openStore: () => createSqliteStore({ path: ':memory:' }),
};

/** The PostgreSQL server `npm test` starts (scripts/test.mjs), or one the developer names. */
export const postgresTestUrl = process.env.MULTIENTITY_TEST_PG_URL || undefined;

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresTestUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(postgresTestUrl ?? '');
  url.pathname = `/${name}`;
  return url.toString();
}

let template: Promise<string> | undefined;

/**
 * A migrated database that each test database is copied from: CREATE DATABASE … TEMPLATE is one
 * file copy, where running the migrations for every test would double the time a test takes.
 * One per test process, dropped when the process is done.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `tpl_${randomBytes(8).toString('hex')}`;
    await adminQuery(`create database ${name}`);
    const store = await createPostgresStore({ url: databaseUrl(name), poolSize: 1 });
    await store.close();
    process.once('beforeExit', () => {
      adminQuery(`drop database if exists ${name} with (force)`).catch(() => {});
    });
    return name;
  })();
  return template;
}

/**
 * A database of its own on the test server: CREATE DATABASE t_<random>, migrated unless `empty`,
 * dropped on close,
 * so that tests share nothing but the server. The URL names it, for tests that start servers on it.
 */
export async function createPostgresTestDatabase(
  options: { empty?: boolean } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresTestUrl) throw new Error('MULTIENTITY_TEST_PG_URL is not set: run the tests with npm test');
  const source = options.empty ? 'template0' : await migratedTemplate();
  const name = `t_${randomBytes(8).toString('hex')}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery(`create database ${name} template ${source}`);
      break;
    } catch (error) {
      // 55006: the template's last connection is still closing on the server side.
      if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  let dropped = false;
  return {
    url: databaseUrl(name),
    async drop() {
      if (dropped) return;
      dropped = true;
      // FORCE: a server process a test killed may still hold a connection for a moment.
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

export const postgresDatabase: TestDatabase = {
  name: 'postgres',
  async openStore() {
    const database = await createPostgresTestDatabase();
    let store: Store;
    try {
      store = await createPostgresStore({ url: database.url, poolSize: 4 });
    } catch (error) {
      await database.drop();
      throw error;
    }
    const close = store.close;
    return Object.assign(store, {
      async close() {
        await close();
        await database.drop();
      },
    });
  },
};

export const testDatabases: TestDatabase[] = postgresTestUrl
  ? [sqliteDatabase, postgresDatabase]
  : [sqliteDatabase];
