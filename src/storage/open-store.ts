import type { Config } from '../config.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** Opens the store the configuration names and brings its schema up to date. */
export async function openStore(config: Pick<Config, 'db' | 'durability'>): Promise<Store> {
  if (isPostgresUrl(config.db)) {
    throw new Error('PostgreSQL is not supported yet: give a SQLite file path or :memory: as --db');
  }
  return createSqliteStore({ path: config.db, durability: config.durability });
}
