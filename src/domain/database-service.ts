import type { DatabaseLifecycle } from './ports/index.js';

export interface DatabaseDeps {
  store: Pick<DatabaseLifecycle, 'ping' | 'poolStats' | 'flush'>;
}

/** The database as the HTTP layer sees it: its health, its pool, and the durability barrier. */
export function createDatabaseService({ store }: DatabaseDeps) {
  return {
    /** Whether the database can serve (/health, /ready, the metrics gauge). */
    ping: (): Promise<boolean> => store.ping(),
    /** The pool's state for /metrics; undefined when the database has no pool (SQLite). */
    poolStats: () => store.poolStats?.(),
    /** Resolves once every commit made before the call is as durable as configured (docs/ARCHITECTURE.md, Storage). */
    flush: (): Promise<void> => store.flush(),
  };
}

export type DatabaseService = ReturnType<typeof createDatabaseService>;
