/**
 * Configuration: command-line options win over environment variables, which win over defaults.
 * The result is frozen and validated; nothing secret has a default.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** A SQLite file path, ':memory:', or a postgres:// URL. */
  readonly db: string;
  readonly fixture: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** auto: readable lines when stdout is a terminal, JSON otherwise (src/cli/pretty-log.ts). */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  /** The largest request body accepted, after gzip inflation, in bytes. */
  readonly bodyLimit: number;
  /** 'process': survives kill -9 of the server; 'full': survives power loss too. */
  readonly durability: 'process' | 'full';
  /** docs/CONTRACT.md §7 [D]: reject (default) or replay an Idempotency-Key reused with another body. */
  readonly idempotencyBodyMismatch: 'reject' | 'replay';
  /** PostgreSQL connections this process holds at most (MULTIENTITY_PG_POOL_SIZE). */
  readonly pgPoolSize: number;
  /**
   * MULTIENTITY_PG_PREPARED_STATEMENTS: 'on' prepares each statement once per connection; 'off'
   * for poolers in transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
   */
  readonly pgPreparedStatements: boolean;
  /** MULTIENTITY_OPERATOR_TOKEN: guards /admin/v1. When unset, `serve` makes one (never a default). */
  readonly operatorToken: string | undefined;
  /** Requests kept in each tenant's journal (MULTIENTITY_JOURNAL_SIZE); 0 turns the journal off. */
  readonly journalSize: number;
  /** Limits of tenants without a setting of their own (MULTIENTITY_LIMITS): off for local use. */
  readonly defaultLimits: 'off' | 'production' | 'developer-sandbox' | 'api-sandbox';
}

export interface ConfigOverrides {
  port?: string | undefined;
  host?: string | undefined;
  db?: string | undefined;
  fixture?: string | undefined;
  logLevel?: string | undefined;
  logFormat?: string | undefined;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got '${value}'`);
}

function integer(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got '${value}'`);
  }
  return n;
}

function operatorToken(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length < 16 || /\s/.test(value)) {
    throw new ConfigError('MULTIENTITY_OPERATOR_TOKEN must be at least 16 characters without spaces');
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): Config {
  const pick = (flag: string | undefined, ...names: string[]) => {
    if (flag !== undefined) return flag;
    for (const name of names) if (env[name] !== undefined && env[name] !== '') return env[name];
    return undefined;
  };
  return Object.freeze({
    port: integer(
      'port (--port, PORT)',
      pick(overrides.port, 'MULTIENTITY_PORT', 'PORT') ?? '8080',
      0,
      65535,
    ),
    host: pick(overrides.host, 'MULTIENTITY_HOST', 'HOST') ?? '127.0.0.1',
    db: pick(overrides.db, 'MULTIENTITY_DB', 'DATABASE_URL') ?? './data/multientity.db',
    fixture: pick(overrides.fixture, 'MULTIENTITY_FIXTURE'),
    logLevel: oneOf(
      'log level (--log-level, LOG_LEVEL)',
      pick(overrides.logLevel, 'LOG_LEVEL') ?? 'info',
      LOG_LEVELS,
    ),
    logFormat: oneOf(
      'log format (--log-format, MULTIENTITY_LOG_FORMAT)',
      pick(overrides.logFormat, 'MULTIENTITY_LOG_FORMAT') ?? 'auto',
      ['auto', 'json', 'pretty'] as const,
    ),
    bodyLimit: integer(
      'MULTIENTITY_BODY_LIMIT',
      env.MULTIENTITY_BODY_LIMIT ?? String(1024 * 1024),
      1024,
      1 << 30,
    ),
    durability: oneOf('MULTIENTITY_DURABILITY', env.MULTIENTITY_DURABILITY ?? 'process', [
      'process',
      'full',
    ] as const),
    idempotencyBodyMismatch: oneOf(
      'MULTIENTITY_IDEMPOTENCY_BODY_MISMATCH',
      env.MULTIENTITY_IDEMPOTENCY_BODY_MISMATCH ?? 'reject',
      ['reject', 'replay'] as const,
    ),
    pgPoolSize: integer('MULTIENTITY_PG_POOL_SIZE', env.MULTIENTITY_PG_POOL_SIZE ?? '10', 1, 1000),
    pgPreparedStatements:
      oneOf('MULTIENTITY_PG_PREPARED_STATEMENTS', env.MULTIENTITY_PG_PREPARED_STATEMENTS ?? 'on', [
        'on',
        'off',
      ] as const) === 'on',
    operatorToken: operatorToken(env.MULTIENTITY_OPERATOR_TOKEN),
    journalSize: integer('MULTIENTITY_JOURNAL_SIZE', env.MULTIENTITY_JOURNAL_SIZE ?? '1000', 0, 100_000),
    defaultLimits: oneOf('MULTIENTITY_LIMITS', env.MULTIENTITY_LIMITS ?? 'off', [
      'off',
      'production',
      'developer-sandbox',
      'api-sandbox',
    ] as const),
  });
}
