import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';

/** An admin call that failed: the message is Zuora's reason, or why the server was not reached. */
export class AdminCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminCallError';
  }
}

interface ConnectionOptions {
  url: string;
  token?: string;
  db?: string;
}

const DEFAULT_URL = 'http://localhost:8080';

/**
 * --token, else MULTIENTITY_OPERATOR_TOKEN, else the file `serve` keeps beside its SQLite database
 * (src/cli/serve.ts), so that on the machine running the server no token needs to be copied around.
 */
function operatorToken(options: ConnectionOptions): string {
  if (options.token) return options.token;
  const fromEnvironment = process.env.MULTIENTITY_OPERATOR_TOKEN;
  if (fromEnvironment) return fromEnvironment;
  const db = options.db ?? process.env.MULTIENTITY_DB ?? join('data', 'multientity.db');
  const file = join(dirname(db), 'operator-token.json');
  let stored: { operatorToken?: unknown } | undefined;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as { operatorToken?: unknown };
  } catch {
    // No file, or not ours: the message below says what to do instead.
  }
  if (typeof stored?.operatorToken === 'string') return stored.operatorToken;
  throw new AdminCallError(
    `No operator token: give --token, set MULTIENTITY_OPERATOR_TOKEN, or point --db at the server's database (no ${file}).`,
  );
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AdminCallError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AdminCallError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The first reason of Zuora's error envelope, when the body is one. */
function zuoraReason(body: unknown): string | undefined {
  const reasons = (body as { reasons?: { message?: unknown }[] } | null)?.reasons;
  const message = Array.isArray(reasons) ? reasons[0]?.message : undefined;
  return typeof message === 'string' ? message : undefined;
}

/** One admin API call; answers the parsed body (null for 204), throws AdminCallError on failure. */
async function call(
  options: ConnectionOptions,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  query: Record<string, string | undefined> = {},
): Promise<unknown> {
  const url = new URL(`${options.url.replace(/\/+$/, '')}/admin/v1${path}`);
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(name, value);
  const headers: Record<string, string> = { authorization: `Bearer ${operatorToken(options)}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new AdminCallError(`Cannot reach ${options.url}: ${cause}`);
  }
  const text = await response.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  // Before Zuora-Version 2024-05-20 an error may come with 200 and success:false (docs/CONTRACT.md §2).
  if (!response.ok || (parsed as { success?: unknown } | null)?.success === false) {
    throw new AdminCallError(zuoraReason(parsed) ?? `HTTP ${response.status}${text ? `: ${text}` : ''}`);
  }
  return parsed;
}

const DURATION_UNITS = {
  ms: 'milliseconds',
  s: 'seconds',
  m: 'minutes',
  h: 'hours',
  d: 'days',
} as const;

/** `2h`, `90m`, `1d12h`, `500ms` → the body of POST …/clock/advance. */
export function parseDuration(
  text: string,
): Partial<Record<(typeof DURATION_UNITS)[keyof typeof DURATION_UNITS], number>> {
  const body: Partial<Record<(typeof DURATION_UNITS)[keyof typeof DURATION_UNITS], number>> = {};
  const part = /(\d+)(ms|s|m|h|d)/y;
  let matched = 0;
  for (let m = part.exec(text); m !== null; m = part.exec(text)) {
    const field = DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
    body[field] = (body[field] ?? 0) + Number(m[1]);
    matched = part.lastIndex;
  }
  if (text === '' || matched !== text.length) {
    throw new AdminCallError(`'${text}' is not a duration: use e.g. 2h, 30m, 1d12h, 90s or 500ms.`);
  }
  return body;
}

function print(answer: unknown): void {
  if (answer !== null) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
}

/**
 * Wraps an action: its answer is printed as JSON; a failure prints its message and exits 1. The
 * connection options are the `admin` command's, wherever on the line they were given.
 */
function action<A extends unknown[]>(
  run: (connection: ConnectionOptions, ...args: A) => Promise<unknown>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const connection = command.optsWithGlobals<ConnectionOptions>();
    try {
      print(await run(connection, ...(args.slice(0, -1) as A)));
    } catch (error) {
      if (!(error instanceof AdminCallError)) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
  };
}

const tenantPath = (tenantId: string) => `/tenants/${encodeURIComponent(tenantId)}`;

/** `multientity admin …`: the admin API of a running server, over HTTP, with the operator token. */
export function registerAdminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description(
      "Drive a running server's admin API (/admin/v1) with the operator token; prints its JSON answer",
    )
    .option('--url <url>', "the server's address", DEFAULT_URL)
    .option(
      '--token <token>',
      "the operator token (MULTIENTITY_OPERATOR_TOKEN; else the operator-token.json beside the server's database)",
    )
    .option(
      '--db <db>',
      "the server's SQLite file, to find operator-token.json beside it (MULTIENTITY_DB; default ./data/multientity.db)",
    );

  const tenants = admin.command('tenants').description('Create, list, reset and delete tenants');
  tenants
    .command('list')
    .description('List the tenants')
    .action(action((c) => call(c, 'GET', '/tenants')));
  tenants
    .command('get <tenant>')
    .description("A tenant's ids by name, idSeed and clock")
    .action(action((c, tenantId: string) => call(c, 'GET', tenantPath(tenantId))));
  tenants
    .command('create <file>')
    .description('Create a tenant from a JSON file holding one tenant of the fixture format (and idSeed)')
    .action(action((c, file: string) => call(c, 'POST', '/tenants', readJsonFile(file))));
  tenants
    .command('delete <tenant>')
    .description('Delete a tenant and everything it holds')
    .action(
      action(async (c, tenantId: string) => {
        await call(c, 'DELETE', tenantPath(tenantId));
        return { id: tenantId, deleted: true };
      }),
    );
  tenants
    .command('reset <tenant>')
    .description('Put a tenant back to the fixture it was created from')
    .action(action((c, tenantId: string) => call(c, 'POST', `${tenantPath(tenantId)}/reset`)));

  const clock = admin
    .command('clock')
    .description("Read, set, advance, freeze and unfreeze a tenant's clock");
  clock
    .command('get <tenant>')
    .description("The tenant's time, and whether it is frozen")
    .action(action((c, tenantId: string) => call(c, 'GET', `${tenantPath(tenantId)}/clock`)));
  clock
    .command('set <tenant> <time>')
    .description('Set the time the tenant sees (ISO 8601, e.g. 2030-01-01T00:00:00Z)')
    .option('--freeze', 'and stop it there')
    .action(
      action((c, tenantId: string, time: string, options: { freeze?: boolean }) =>
        call(c, 'PUT', `${tenantPath(tenantId)}/clock`, {
          time,
          ...(options.freeze ? { frozen: true } : {}),
        }),
      ),
    );
  clock
    .command('advance <tenant> <duration>')
    .description('Move the tenant’s clock forward, e.g. 2h, 30m, 1d12h, 90s, 500ms')
    .action(
      action((c, tenantId: string, duration: string) =>
        call(c, 'POST', `${tenantPath(tenantId)}/clock/advance`, parseDuration(duration)),
      ),
    );
  clock
    .command('freeze <tenant>')
    .description("Stop the tenant's clock where it is")
    .action(
      action((c, tenantId: string) => call(c, 'PUT', `${tenantPath(tenantId)}/clock`, { frozen: true })),
    );
  clock
    .command('unfreeze <tenant>')
    .description("Let the tenant's clock run again from where it stands")
    .action(
      action((c, tenantId: string) => call(c, 'PUT', `${tenantPath(tenantId)}/clock`, { frozen: false })),
    );
  clock
    .command('real <tenant>')
    .description("Put the tenant's clock back to real time")
    .action(action((c, tenantId: string) => call(c, 'DELETE', `${tenantPath(tenantId)}/clock`)));

  const faults = admin.command('faults').description("List, add and clear a tenant's fault rules");
  faults
    .command('list <tenant>')
    .description("The tenant's fault rules")
    .action(action((c, tenantId: string) => call(c, 'GET', `${tenantPath(tenantId)}/faults`)));
  faults
    .command('add <tenant> <file>')
    .description('Add a fault rule from a JSON file (the body of POST …/faults: method, path, fault, times…)')
    .action(
      action((c, tenantId: string, file: string) =>
        call(c, 'POST', `${tenantPath(tenantId)}/faults`, readJsonFile(file)),
      ),
    );
  faults
    .command('clear <tenant>')
    .description("Remove all the tenant's fault rules")
    .action(action((c, tenantId: string) => call(c, 'DELETE', `${tenantPath(tenantId)}/faults`)));

  admin
    .command('journal <tenant>')
    .description("The tenant's recent requests, newest first")
    .option('--path <path>', 'an exact path or a pattern (* and **)')
    .option('--status <status>', 'the HTTP status; 0: dropped')
    .option('--track-id <trackId>', 'the Zuora-Track-Id')
    .option('--limit <limit>', 'at most this many (default 100)')
    .action(
      action(
        (
          c,
          tenantId: string,
          options: { path?: string; status?: string; trackId?: string; limit?: string },
        ) =>
          call(c, 'GET', `${tenantPath(tenantId)}/journal`, undefined, {
            path: options.path,
            status: options.status,
            trackId: options.trackId,
            limit: options.limit,
          }),
      ),
    );
}
