import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';

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

export const testDatabases: TestDatabase[] = [sqliteDatabase];
