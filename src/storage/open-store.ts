import type { Config } from '../config.js';
import { createPostgresStore } from './postgres/postgres-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** Opens the store the configuration names and brings its schema up to date. */
export async function openStore(config: Pick<Config, 'db' | 'durability' | 'pgPoolSize'>): Promise<Store> {
  if (isPostgresUrl(config.db)) return createPostgresStore({ url: config.db, poolSize: config.pgPoolSize });
  return createSqliteStore({ path: config.db, durability: config.durability });
}
