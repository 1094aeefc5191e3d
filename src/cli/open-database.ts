import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Store } from '../domain/ports/index.js';
import { isPostgresUrl, openStore } from '../storage/open-store.js';

/** The database could not be opened for a reason the user can fix; the CLI prints the message alone. */
export class DatabaseOpenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

/** The innermost cause's message: the driver's own reason (`connect ECONNREFUSED 127.0.0.1:5432`). */
function driverReason(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  const message = current instanceof Error ? current.message : String(current);
  const code = (current as NodeJS.ErrnoException | undefined)?.code;
  const text = message || code || 'unknown error';
  return text.split('\n')[0] ?? text;
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  } catch {
    return 'the host in the URL';
  }
}

/**
 * `openStore` for the CLI's commands: an unreachable PostgreSQL becomes one line naming the host
 * and the driver's reason, and (with `mustExist`) a SQLite file that does not exist is refused
 * rather than created with its folders.
 */
export async function openStoreForCli(
  config: Pick<Config, 'db' | 'durability' | 'pgPoolSize'>,
  options: { mustExist?: boolean } = {},
): Promise<Store> {
  if (isPostgresUrl(config.db)) {
    try {
      return await openStore(config);
    } catch (error) {
      throw new DatabaseOpenError(`PostgreSQL at ${hostOf(config.db)}: ${driverReason(error)}`, {
        cause: error,
      });
    }
  }
  if (options.mustExist && config.db !== ':memory:' && !existsSync(config.db)) {
    throw new DatabaseOpenError(`no SQLite database at ${config.db}: give --create to make a new one`);
  }
  return openStore(config);
}
