import type { CreateTenantBody } from '../../contract/admin.js';
import type { FixtureTenant } from '../../contract/fixture.js';
import { AppError } from '../errors.js';
import {
  FixtureError,
  type PlannedTenant,
  planFixture,
  planStoredTenant,
  type StoredFixture,
  storedFixture,
} from '../fixture-plan.js';
import type { IdGenerator } from '../ids.js';
import type { Journal } from '../journal.js';
import type { Entity, User } from '../model.js';
import type { Store, TenantOverview } from '../ports/index.js';
import { seededIds, seededTenantId } from '../seeded-ids.js';
import { REAL_TIME, type TenantClock } from '../tenant-clock.js';
import { insertPlannedRecords, insertPlannedTenant } from '../tenant-writer.js';
import { type ClockReading, SECRET_LENGTH, takenError, tenantOrThrow } from './admin-support.js';

/** Tries for a random tenant id that is not taken: 90 million ids make a second try rare. */
const TENANT_ID_TRIES = 5;

/** A tenant body's plan; its errors as FIXTURE_INVALID, with paths from the body's root. */
function plan(tenant: FixtureTenant): PlannedTenant {
  try {
    const [planned] = planFixture({ tenants: [tenant] });
    if (!planned) throw new Error('a one-tenant fixture planned no tenant');
    return planned;
  } catch (error) {
    if (!(error instanceof FixtureError)) throw error;
    throw new AppError(
      'FIXTURE_INVALID',
      `Invalid tenant: ${error.message.replace(/^fixture\.tenants\[0\]\.?/, '')}`,
    );
  }
}

/** A tenant as the admin API shows it: what it is, its entities and users, its clock now. */
export interface TenantDetail {
  overview: TenantOverview;
  entities: Entity[];
  users: User[];
  clock: ClockReading;
}

/** A client made with a new tenant, with its secret: the only time the secret is shown. */
export interface CreatedClient {
  clientId: string;
  clientSecret: string;
  username: string;
  entityIds: string[];
}

/** The operator's tenants: created from fixture bodies, listed, reset to their fixture, deleted. */
export function createTenantAdminService({
  store,
  clock,
  ids,
  journal,
}: {
  store: Store;
  clock: TenantClock;
  ids: IdGenerator;
  journal: Pick<Journal, 'clear'>;
}) {
  async function detail(tenantId: string): Promise<TenantDetail> {
    const overview = await tenantOrThrow(store, tenantId);
    const [entities, users] = await Promise.all([store.listEntities(tenantId), store.listUsers(tenantId)]);
    const state = overview.state.clock;
    return { overview, entities, users, clock: { now: clock.nowFor(state), state } };
  }

  return {
    /**
     * Creates a tenant from a fixture body in one transaction. Ids left out: the tenant's is random
     * (or derived from idSeed), entities', users' and connections' derive from the tenant id and
     * names as in a fixture file, clients' are random (or seeded). Secrets are returned, never kept.
     */
    async create(body: CreateTenantBody): Promise<{ detail: TenantDetail; clients: CreatedClient[] }> {
      const { idSeed, ...fixture } = body;
      for (let attempt = 1; ; attempt++) {
        const tenantId = fixture.id ?? (idSeed !== undefined ? seededTenantId(idSeed) : ids.tenantId());
        // Sequence 0 of a seeded tenant is its creation; requests take 1, 2, … (tenant-context.ts).
        const generated = idSeed !== undefined ? seededIds(idSeed, tenantId, 0, ids) : ids;
        const secrets: { clientId: string; clientSecret: string; username: string }[] = [];
        const resolved: FixtureTenant & { id: string } = {
          ...fixture,
          id: tenantId,
          users: (fixture.users ?? []).map((u) => ({
            ...u,
            clients: (u.clients ?? []).map((c) => {
              const clientId = c.clientId ?? generated.uuid();
              const clientSecret = c.clientSecret ?? ids.secret(SECRET_LENGTH);
              secrets.push({ clientId, clientSecret, username: u.username });
              return { clientId, clientSecret, entities: c.entities };
            }),
          })),
        };
        const planned = plan(resolved);
        const kept = { fixture: storedFixture(resolved), idSeed: idSeed ?? null };
        const now = clock.server.now();
        const created = await store
          .transaction(async (tx) => {
            // Two creations of one id: the second waits for the first and finds the tenant.
            await tx.lockTenantCreation(tenantId);
            if (await tx.findTenant(tenantId)) return false;
            await insertPlannedTenant(tx, planned, kept, now);
            return true;
          })
          .catch(takenError);
        if (!created) {
          // Only a random id is worth another try; a chosen or seeded one names an existing tenant.
          if (fixture.id !== undefined || idSeed !== undefined || attempt >= TENANT_ID_TRIES) {
            throw new AppError('TENANT_EXISTS', `A tenant with id '${tenantId}' already exists.`);
          }
          continue;
        }
        const plannedClients = planned.users.flatMap((u) => u.clients);
        return {
          detail: await detail(tenantId),
          clients: secrets.map((s) => ({
            ...s,
            entityIds: plannedClients.find((c) => c.clientId === s.clientId)?.entityIds ?? [],
          })),
        };
      }
    },

    /** Every tenant, oldest first. */
    list(): Promise<TenantOverview[]> {
      return store.listTenantOverviews();
    },

    get: detail,

    /** Removes the tenant and everything it holds, in one transaction. */
    async delete(tenantId: string): Promise<void> {
      await store.transaction(async (tx) => {
        // FOR UPDATE: every insert that references the tenant waits until it is gone.
        if (!(await tx.lockTenant(tenantId, 'all'))) throw new AppError('TENANT_NOT_FOUND');
        await tx.deleteTenantData(tenantId, { keepTenant: false });
      });
      journal.clear(tenantId);
    },

    /**
     * Puts the tenant back to exactly the fixture it was created from: the same ids and client
     * credentials, nothing the API added or changed since, real time, and its id sequence from the
     * start (so a seeded tenant hands out the same ids again).
     */
    async reset(tenantId: string): Promise<TenantDetail> {
      await store.transaction(async (tx) => {
        // FOR UPDATE: every insert that references the tenant waits until the reset is done.
        await tx.lockTenant(tenantId, 'all');
        const state = await tx.findTenantState(tenantId);
        if (!state) throw new AppError('TENANT_NOT_FOUND');
        if (state.fixture === null) throw new AppError('TENANT_NOT_RESETTABLE');
        const stored = JSON.parse(state.fixture) as StoredFixture;
        const planned = planStoredTenant(stored);
        await tx.deleteTenantData(tenantId, { keepTenant: true });
        await insertPlannedRecords(tx, planned, stored.secretHashes, clock.server.now());
        await tx.updateTenantState(tenantId, { idCounter: 0, clock: REAL_TIME });
      });
      journal.clear(tenantId);
      return detail(tenantId);
    },
  };
}
