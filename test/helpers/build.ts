import type { TestContext } from 'node:test';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/domain/clock.js';
import { loadFixture } from '../../src/domain/fixture-loader.js';
import type { IdGenerator } from '../../src/domain/ids.js';
import type { Store } from '../../src/domain/ports/index.js';
import { buildApp } from '../../src/http/app.js';
import { createServices, type Services } from '../../src/services.js';
import { sqliteDatabase, type TestDatabase } from './databases.js';
import { type Acme, acmeCopy, acmeFixture } from './fixtures.js';
import { after, before } from './node-test.js';

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  services: Services;
}

export interface BuildOptions {
  fixture?: unknown;
  clock?: Clock;
  ids?: IdGenerator;
  env?: NodeJS.ProcessEnv;
  /** Which database; a fresh, empty one of its own. Defaults to SQLite in memory. */
  database?: TestDatabase;
  /** A pino logger for the app (e.g. one writing to a stream the test reads); none when left out. */
  logger?: FastifyBaseLogger;
}

/** The whole app on a real SQLite database, loaded with a fixture (the Acme one unless told otherwise). */
export async function build(t: TestContext | undefined, options: BuildOptions = {}): Promise<TestApp> {
  const config = loadConfig(options.env ?? {}, { db: ':memory:' });
  const store = await (options.database ?? sqliteDatabase).openStore();
  const services = createServices({ store, clock: options.clock, ids: options.ids, config });
  await loadFixture(store, services.clock, options.fixture ?? acmeFixture());
  const app = await buildApp({ services, config, logger: options.logger });
  t?.after(async () => {
    await app.close();
    await store.close();
  });
  return { app, store, services };
}

export type AcmeFixture = ReturnType<typeof acmeFixture>;

export interface SuiteApp {
  /**
   * A new copy of the Acme and Other tenants (`acmeCopy`) in the suite's app: its ids and clients,
   * and the app. `change` edits the fixture before it is loaded (a membership more, an apiVersion).
   */
  acme(change?: (fixture: AcmeFixture, acme: Acme) => void): Promise<TestApp & Acme>;
  /** Loads another fixture into the suite's app; its ids must be used by no other test of the suite. */
  load(fixture: unknown): Promise<TestApp>;
  /** The suite's app as it is, for tests that make their own tenant (e.g. through the admin API). */
  built(): TestApp;
}

/**
 * One app for the tests of a `describe` (built in its `before`, closed in its `after`), and a tenant
 * per test: each test calls `acme()` and gets Acme under ids of its own, so that it starts from the
 * whole fixture and sees nothing an earlier test did. A new app and database per test costs more
 * than the test itself, most of all on PostgreSQL. Tests that change what is shared (the clock,
 * the environment, the store's own state) build their own app instead.
 */
export function appPerSuite(options: Omit<BuildOptions, 'fixture'> = {}): SuiteApp {
  let built: TestApp | undefined;
  before(async () => {
    built = await build(undefined, { ...options, fixture: { tenants: [] } });
  });
  after(async () => {
    await built?.app.close();
    await built?.store.close();
  });
  const current = (): TestApp => {
    if (!built) throw new Error("appPerSuite's app is built in the describe's before hook");
    return built;
  };
  const load = async (fixture: unknown): Promise<TestApp> => {
    const app = current();
    await loadFixture(app.store, app.services.clock, fixture);
    return app;
  };
  return {
    async acme(change) {
      const acme = acmeCopy();
      const fixture = acmeFixture({ acme });
      change?.(fixture, acme);
      return { ...(await load(fixture)), ...acme };
    },
    load,
    built: current,
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.UTC(2026, 10, 30, 12)): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}
