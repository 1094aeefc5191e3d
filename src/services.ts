import type { Config } from './config.js';
import { createAdminService } from './domain/admin/admin-service.js';
import { createAuthService } from './domain/auth-service.js';
import { type Clock, systemClock } from './domain/clock.js';
import { createConnectionService } from './domain/connection-service.js';
import { createDatabaseService } from './domain/database-service.js';
import { createEntityService } from './domain/entity-service.js';
import { createFaultService } from './domain/fault-rules.js';
import { createIdempotencyService } from './domain/idempotency.js';
import { type IdGenerator, randomIds } from './domain/ids.js';
import { createJournal } from './domain/journal.js';
import type { Store } from './domain/ports/index.js';
import { createLimitService } from './domain/rate-limits.js';
import { createTenantClock } from './domain/tenant-clock.js';
import { createTenantContexts, createTenantIds } from './domain/tenant-context.js';
import { createUserAccessService } from './domain/user-access-service.js';

export interface ServiceDeps {
  store: Store;
  clock?: Clock;
  ids?: IdGenerator;
  config?: Partial<Pick<Config, 'idempotencyBodyMismatch' | 'journalSize' | 'defaultLimits'>>;
}

/** Wires every service to its narrowed dependencies: the one place that knows them all. */
export function createServices({
  store,
  clock: serverClock = systemClock,
  ids: randomIdGenerator = randomIds,
  config = {},
}: ServiceDeps) {
  // Every service sees the current request's tenant's clock and ids (docs/ARCHITECTURE.md).
  const clock = createTenantClock(serverClock);
  const ids = createTenantIds(randomIdGenerator);
  const tenantContexts = createTenantContexts({ store, random: randomIdGenerator });
  const journal = createJournal({ size: config.journalSize ?? 1000 });
  return {
    store,
    clock,
    ids,
    tenantContexts,
    admin: createAdminService({ store, clock, ids, contexts: tenantContexts, journal }),
    auth: createAuthService({ store, clock, ids, contexts: tenantContexts }),
    connections: createConnectionService({ store, clock, ids }),
    database: createDatabaseService({ store }),
    entities: createEntityService({ store, clock, ids }),
    idempotency: createIdempotencyService({
      store,
      clock,
      matchBody: (config.idempotencyBodyMismatch ?? 'reject') === 'reject',
    }),
    userAccess: createUserAccessService({ store, clock, ids }),
    limits: createLimitService({ store, clock, defaultSettings: { profile: config.defaultLimits ?? 'off' } }),
    faults: createFaultService({ store, clock, ids }),
    journal,
  };
}

export type Services = ReturnType<typeof createServices>;
