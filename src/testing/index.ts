// multientity/testing: the server in a test's own process, and clients bound to it.
//
//   const me = await startMultientity({ fixture });
//   const client = me.client({ clientId, clientSecret });
//   await me.stop();
//
// The server is `multientity serve` itself (src/cli/serve.ts, embedded: no signal handlers, no
// banner), on SQLite in memory and a port the system picks, with a fixture written to a temporary
// file and loaded as `--fixture` loads one. Clients are multientity-client's, imported at run time
// from that package so that its error classes are the ones a test imports.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AdminApi,
  type AdvanceClockBody,
  type ClientOptions,
  type ClockState,
  type CreatedTenant,
  type CreateFaultRuleRequest,
  type CreateTenantBody,
  type FaultRuleResponse,
  type Fixture,
  type FixtureEntity,
  type JournalEntry,
  type JournalQuery,
  MultientityClient,
  type SetClockBody,
  type TenantDetail,
} from 'multientity-client';
import { serve } from '../cli/serve.js';

export interface StartOptions {
  /** Loaded on start, as `multientity serve --fixture`: a fixture object or the path of a fixture file. */
  fixture?: Fixture | string;
  /** The admin API's token. Default: a random one, in `me.operatorToken`. */
  operatorToken?: string;
  /** Default `:memory:`. A file path or a `postgres://` URL works too. */
  db?: string;
  /** pino's level for the server's log (on stdout). Default `silent`. */
  logLevel?: string;
  /** The port to listen on. Default 0: one the system picks. */
  port?: number;
  /** More of the server's environment (MULTIENTITY_LIMITS, MULTIENTITY_JOURNAL_SIZE…). */
  env?: Record<string, string>;
  /** Options of every client the kit makes (retry delays, timeouts, trackId…). */
  clientOptions?: Partial<ClientOptions>;
}

/** A tenant body for `me.tenant()`: the admin API's, with the name optional. */
export type TenantFixture = Omit<CreateTenantBody, 'name'> & { name?: string };

/** A tenant made by `me.tenant()`: its ids, its clients' secrets, and ready clients. */
export interface TestTenant extends CreatedTenant {
  /** A client with the tenant's first OAuth client, acting in the global entity. */
  client: MultientityClient;
  /** A client with the OAuth client `clientId` (default: the first), acting in `entityId` if given. */
  clientFor(options?: { clientId?: string; entityId?: string } & Partial<ClientOptions>): MultientityClient;
  /** Back to the fixture: same ids and secrets, no fault rules, real time. */
  reset(): Promise<TenantDetail>;
  /** Removes the tenant and everything it holds. */
  delete(): Promise<void>;
  /** The tenant's clock now (`clock` is as it was at creation). */
  getClock(): Promise<ClockState>;
  /** `{ time?, frozen? }`: sets or freezes the time the tenant's requests see. */
  setClock(body: SetClockBody): Promise<ClockState>;
  /** `{ days?, hours?, minutes?, seconds?, milliseconds? }`: moves the tenant's time forward. */
  advanceClock(body: AdvanceClockBody): Promise<ClockState>;
  /** Back to real time. */
  resetClock(): Promise<ClockState>;
  /** A fault rule (README: Fault rules) for this tenant's requests. */
  addFault(rule: CreateFaultRuleRequest): Promise<FaultRuleResponse>;
  /** Removes every fault rule; answers how many there were. */
  clearFaults(): Promise<number>;
  /** The tenant's recent requests, newest first. */
  journal(query?: JournalQuery): Promise<JournalEntry[]>;
}

export interface Multientity {
  /** Where the server listens, e.g. `http://127.0.0.1:41234`. */
  url: string;
  operatorToken: string;
  /** The typed admin API (tenants, reset, clock, faults, journal, audit, limits). */
  admin: AdminApi;
  /** A client bound to this server. */
  client(options: { clientId: string; clientSecret: string } & Partial<ClientOptions>): MultientityClient;
  /** A tenant of its own, from a fixture body: its ids, secrets and a ready client. */
  tenant(fixture: TenantFixture): Promise<TestTenant>;
  /** Stops the server: requests under way finish, the database is closed. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

let tenantCount = 0;

function entityNames(entity: FixtureEntity): string[] {
  const children = (entity.children ?? []) as FixtureEntity[];
  return [entity.name, ...children.flatMap(entityNames)];
}

function provisionedNames(entity: FixtureEntity): string[] {
  if (entity.status === 'Unprovisioned') return [];
  const children = (entity.children ?? []) as FixtureEntity[];
  return [entity.name, ...children.flatMap(provisionedNames)];
}

/** A body that has a user and a client when the fixture names none: an administrator of every entity. */
function withDefaults(fixture: TenantFixture): CreateTenantBody {
  tenantCount += 1;
  const body: CreateTenantBody = { ...fixture, name: fixture.name ?? `Test tenant ${tenantCount}` };
  const root = body.entities[0];
  if (root && (body.users === undefined || body.users.length === 0)) {
    const names = entityNames(root);
    body.users = [
      {
        username: `admin-${tenantCount}@multientity.test`,
        homeEntity: root.name,
        access: Object.fromEntries(names.map((name) => [name, 'Administrator' as const])),
        clients: [{ entities: provisionedNames(root) }],
      },
    ];
  }
  return body;
}

/** Starts multientity in this process. Stop it with `me.stop()` (or `await using`). */
export async function startMultientity(options: StartOptions = {}): Promise<Multientity> {
  const operatorToken = options.operatorToken ?? randomBytes(24).toString('base64url');
  const folder = await mkdtemp(join(tmpdir(), 'multientity-'));
  let fixturePath: string;
  if (typeof options.fixture === 'string') {
    fixturePath = options.fixture;
  } else {
    // Without a fixture, an empty one: no demo tenant, whose secret a test would never see.
    fixturePath = join(folder, 'fixture.json');
    await writeFile(fixturePath, JSON.stringify(options.fixture ?? { tenants: [] }));
  }
  let server: Awaited<ReturnType<typeof serve>>;
  try {
    server = await serve(
      {
        db: options.db ?? ':memory:',
        port: String(options.port ?? 0),
        host: '127.0.0.1',
        fixture: fixturePath,
        logLevel: options.logLevel ?? 'silent',
      },
      { ...options.env, MULTIENTITY_OPERATOR_TOKEN: operatorToken },
      { embedded: true },
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  const address = server.app.server.address();
  const url =
    typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : server.url;
  const adminClient = new MultientityClient({ ...options.clientOptions, baseUrl: url, operatorToken });
  const admin = adminClient.admin;

  const client = (clientOptions: { clientId: string; clientSecret: string } & Partial<ClientOptions>) =>
    new MultientityClient({ ...options.clientOptions, ...clientOptions, baseUrl: url });

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= server.close();
    return stopped;
  };

  return {
    url,
    operatorToken,
    admin,
    client,
    async tenant(fixture) {
      const created = await admin.tenants.create(withDefaults(fixture));
      const id = created.id;
      const clientFor: TestTenant['clientFor'] = ({ clientId, entityId, ...rest } = {}) => {
        const credentials = created.clients.find((c) => clientId === undefined || c.clientId === clientId);
        if (!credentials) throw new TypeError(`No client ${clientId ?? ''} in tenant ${id}`);
        return client({
          ...rest,
          clientId: credentials.clientId,
          clientSecret: credentials.clientSecret,
          entityId: entityId ?? created.globalEntityId,
        });
      };
      let ready: MultientityClient | undefined;
      return {
        ...created,
        get client() {
          ready ??= clientFor();
          return ready;
        },
        clientFor,
        reset: () => admin.tenants.reset(id),
        delete: async () => {
          await admin.tenants.delete(id);
        },
        getClock: () => admin.clock.get(id),
        setClock: (body) => admin.clock.set(id, body),
        advanceClock: (body) => admin.clock.advance(id, body),
        resetClock: () => admin.clock.reset(id),
        addFault: (rule) => admin.faults.create(id, rule),
        clearFaults: async () => (await admin.faults.clear(id)).deleted,
        journal: async (query) => (await admin.journal.list(id, query)).requests,
      };
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
