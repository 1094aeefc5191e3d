import type { Config } from '../config.js';
import type { Store } from '../domain/ports/index.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** Opens the store the configuration names and brings its schema up to date. */
export async function openStore(
  config: Pick<Config, 'db' | 'durability' | 'pgPoolSize'> & Partial<Pick<Config, 'pgPreparedStatements'>>,
): Promise<Store> {
  if (isPostgresUrl(config.db)) {
    // Loaded only for PostgreSQL: the pg driver is a tenth of the server's start-up on SQLite.
    const { createPostgresStore } = await import('./postgres/postgres-store.js');
    return createPostgresStore({
      url: config.db,
      poolSize: config.pgPoolSize,
      preparedStatements: config.pgPreparedStatements ?? true,
    });
  }
  return createSqliteStore({ path: config.db, durability: config.durability });
}
