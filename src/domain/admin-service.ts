import type {
  AdvanceClockBody,
  CreateClientBody,
  CreateTenantBody,
  CreateUserBody,
  SetClockBody,
} from '../contract/admin.js';
import type { FixtureTenant } from '../contract/fixture.js';
import { type Store, type StoreOps, type TenantState, UniqueViolation } from '../storage/store.js';
import { canAccess, userAccess } from './access.js';
import { recordAudit } from './audit.js';
import { AppError } from './errors.js';
import {
  FixtureError,
  type PlannedTenant,
  planFixture,
  type StoredFixture,
  storedFixture,
} from './fixture-loader.js';
import type { IdGenerator } from './ids.js';
import type { Journal } from './journal.js';
import type { AuditEvent, Entity, Membership, OAuthClient, Role, Tenant, User } from './model.js';
import { hashSecret } from './secrets.js';
import { seededIds, seededTenantId } from './seeded-ids.js';
import {
  clockAdvanced,
  clockSetTo,
  REAL_TIME,
  type TenantClock,
  type TenantClockState,
} from './tenant-clock.js';
import { runInTenantContext, type TenantContexts } from './tenant-context.js';

/** Generated client secrets: 40 URL-safe characters (240 bits), within Zuora's 42. */
const SECRET_LENGTH = 40;
/** Tries for a random tenant id that is not taken: 90 million ids make a second try rare. */
const TENANT_ID_TRIES = 5;

const MINUTE_MS = 60_000;

/**
 * Tenant-wide writes touch every table; on PostgreSQL's serializable transactions they can still
 * lose to other tenants' requests after the store's own retries (small tables are read by
 * sequential scans, which conflict with any writer). The operator's call is retried a little more
 * rather than failing a test suite's setup or teardown.
 */
async function retryContention<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'LOCK_CONTENTION') || attempt >= attempts)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));
    }
  }
}

export interface AdminDeps {
  store: Store;
  clock: TenantClock;
  ids: IdGenerator;
  contexts: TenantContexts;
  /** This instance's request journal: a deleted or reset tenant starts with an empty one. */
  journal: Pick<Journal, 'clear'>;
}

export interface ClockView {
  time: string;
  frozen: boolean;
  offsetMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function fixtureError(error: unknown): never {
  if (error instanceof FixtureError) {
    // planFixture names paths from the file's root; the body is one tenant of it.
    throw new AppError(
      'FIXTURE_INVALID',
      `Invalid tenant: ${error.message.replace(/^fixture\.tenants\[0\]\.?/, '')}`,
    );
  }
  throw error;
}

function plan(tenant: FixtureTenant): PlannedTenant {
  try {
    const [planned] = planFixture({ tenants: [tenant] });
    if (!planned) throw new Error('a one-tenant fixture planned no tenant');
    return planned;
  } catch (error) {
    fixtureError(error);
  }
}

/** Writes a planned tenant's records; the tenant row itself is the caller's. */
async function insertPlanned(
  tx: StoreOps,
  planned: PlannedTenant,
  secretHashes: Record<string, string>,
  now: number,
): Promise<void> {
  for (const entity of planned.entities) await tx.insertEntity({ ...entity, createdAt: now });
  for (const { user, memberships, clients } of planned.users) {
    await tx.insertUser({ ...user, createdAt: now });
    for (const m of memberships) await tx.upsertMembership({ ...m, updatedAt: now });
    for (const c of clients) {
      const secretHash = secretHashes[c.clientId];
      if (secretHash === undefined) throw new Error(`no secret hash for client ${c.clientId}`);
      await tx.insertClient({
        clientId: c.clientId,
        tenantId: user.tenantId,
        userId: user.id,
        secretHash,
        entityIds: c.entityIds,
        createdAt: now,
        status: 'Active',
      });
    }
  }
  for (const c of planned.connections) await tx.insertConnection({ ...c, createdAt: now, updatedAt: now });
  // Only a fixture file sets limits; reset gives them back.
  if (planned.limits) await tx.setTenantLimits(planned.tenant.id, planned.limits, now);
}

function takenError(error: unknown): never {
  if (error instanceof UniqueViolation) {
    if (error.constraint.includes('client_id')) throw new AppError('CLIENT_ID_TAKEN');
    if (error.constraint.includes('username')) throw new AppError('USERNAME_TAKEN');
    throw new AppError(
      'FIXTURE_INVALID',
      'Invalid tenant: an entity or connection id is already used by another tenant.',
    );
  }
  throw error;
}

function userView(user: User, memberships: Membership[]) {
  const access: Record<string, Role> = {};
  for (const m of memberships) if (m.status === 'Active') access[m.entityId] = m.role;
  return {
    id: user.id,
    username: user.username,
    homeEntityId: user.homeEntityId,
    status: user.status,
    access,
  };
}

function clientView(client: OAuthClient) {
  return {
    clientId: client.clientId,
    userId: client.userId,
    entityIds: client.entityIds,
    status: client.status ?? 'Active',
  };
}

function auditView(event: AuditEvent) {
  return {
    id: event.id,
    at: iso(event.at),
    action: event.action,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    userId: event.userId,
    clientId: event.clientId,
    entityId: event.entityId,
    before: event.before ?? null,
    after: event.after ?? null,
  };
}

/**
 * The operator's service behind /admin/v1: tenants from fixture bodies, users, clients, clocks and
 * the audit trail. Changes to a tenant run in that tenant's context, so they use its clock and, for
 * a seeded tenant, its ids.
 */
export function createAdminService({ store, clock, ids, contexts, journal }: AdminDeps) {
  const clockView = (state: TenantClockState): ClockView => ({
    time: iso(clock.nowFor(state)),
    frozen: state.frozenAt !== null,
    offsetMs: state.offsetMs,
  });

  async function tenantOrThrow(tenantId: string): Promise<{ tenant: Tenant; state: TenantState }> {
    const [tenant, state] = await Promise.all([store.findTenant(tenantId), store.findTenantState(tenantId)]);
    if (!tenant || !state) throw new AppError('TENANT_NOT_FOUND');
    return { tenant, state };
  }

  async function inTenant<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    const context = await contexts.open(tenantId);
    if (!context) throw new AppError('TENANT_NOT_FOUND');
    return runInTenantContext(context, fn);
  }

  async function detail(tenantId: string) {
    const { tenant, state } = await tenantOrThrow(tenantId);
    const [entities, users] = await Promise.all([store.listEntities(tenantId), store.listUsers(tenantId)]);
    return {
      ...summary(tenant, state),
      globalEntityId: entities.find((e) => e.parentId === null)?.id ?? '',
      entities: Object.fromEntries(entities.map((e) => [e.name, e.id])),
      users: Object.fromEntries(users.map((u) => [u.username, u.id])),
      clock: clockView(state.clock),
    };
  }

  function summary(tenant: Tenant, state: TenantState) {
    return {
      id: tenant.id,
      name: tenant.name,
      apiVersion: tenant.apiVersion,
      createdAt: iso(tenant.createdAt),
      idSeed: state.idSeed,
      resettable: state.fixture !== null,
    };
  }

  /** An entity named by name or by id, in the tenant. */
  async function entityRef(
    tx: Pick<StoreOps, 'findEntityByName' | 'findEntity'>,
    tenantId: string,
    ref: string,
  ) {
    const entity =
      (await tx.findEntityByName(tenantId, ref)) ?? (await tx.findEntity(tenantId, ref.toLowerCase()));
    if (!entity)
      throw new AppError('ENTITY_NOT_FOUND', `No entity named or with id '${ref}' in this tenant.`);
    return entity;
  }

  return {
    /**
     * Creates a tenant from a fixture body in one transaction. Ids left out: the tenant's is random
     * (or derived from idSeed), entities', users' and connections' derive from the tenant id and
     * names as in a fixture file, clients' are random (or seeded). Secrets are returned, never kept.
     */
    async createTenant(body: CreateTenantBody) {
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
        const stored = storedFixture(resolved);
        const { secretHashes } = stored;
        const now = clock.server.now();
        const created = await retryContention(() =>
          store.transaction(async (tx) => {
            if (await tx.findTenant(tenantId)) return false;
            await tx.insertTenant({ ...planned.tenant, createdAt: now });
            await tx.updateTenantState(tenantId, { fixture: JSON.stringify(stored), idSeed: idSeed ?? null });
            await insertPlanned(tx, planned, secretHashes, now);
            return true;
          }),
        ).catch(takenError);
        if (!created) {
          // Only a random id is worth another try; a chosen or seeded one names an existing tenant.
          if (fixture.id !== undefined || idSeed !== undefined || attempt >= TENANT_ID_TRIES) {
            throw new AppError('TENANT_EXISTS', `A tenant with id '${tenantId}' already exists.`);
          }
          continue;
        }
        const view = await detail(tenantId);
        return {
          ...view,
          clients: secrets.map((s) => ({
            ...s,
            entityIds:
              planned.users.flatMap((u) => u.clients).find((c) => c.clientId === s.clientId)?.entityIds ?? [],
          })),
        };
      }
    },

    async listTenants() {
      const tenants = await store.listTenants();
      const states = await Promise.all(tenants.map((t) => store.findTenantState(t.id)));
      return tenants.flatMap((t, i) => {
        const state = states[i];
        return state ? [summary(t, state)] : [];
      });
    },

    getTenant: detail,

    /** Removes the tenant and everything it holds, in one transaction. */
    async deleteTenant(tenantId: string): Promise<void> {
      await retryContention(() =>
        store.transaction(async (tx) => {
          if (!(await tx.findTenant(tenantId))) throw new AppError('TENANT_NOT_FOUND');
          await tx.deleteTenantData(tenantId, { keepTenant: false });
        }),
      );
      journal.clear(tenantId);
    },

    /**
     * Puts the tenant back to exactly the fixture it was created from: the same ids and client
     * credentials, nothing the API added or changed since, real time, and its id sequence from the
     * start (so a seeded tenant hands out the same ids again).
     */
    async resetTenant(tenantId: string) {
      await retryContention(() =>
        store.transaction(async (tx) => {
          const state = await tx.findTenantState(tenantId);
          if (!state) throw new AppError('TENANT_NOT_FOUND');
          if (state.fixture === null) throw new AppError('TENANT_NOT_RESETTABLE');
          const stored = JSON.parse(state.fixture) as StoredFixture;
          // The plan needs a secret to check; the stored hashes are what get written.
          const planned = plan({
            ...stored.tenant,
            users: stored.tenant.users?.map((u) => ({
              ...u,
              clients: u.clients?.map((c) => ({ ...c, clientSecret: 'stored' })),
            })),
          });
          await tx.deleteTenantData(tenantId, { keepTenant: true });
          await insertPlanned(tx, planned, stored.secretHashes, clock.server.now());
          await tx.updateTenantState(tenantId, { idCounter: 0, clock: REAL_TIME });
        }),
      );
      journal.clear(tenantId);
      return detail(tenantId);
    },

    async createUser(tenantId: string, body: CreateUserBody) {
      return inTenant(tenantId, () =>
        store
          .transaction(async (tx) => {
            const home = await entityRef(tx, tenantId, body.homeEntity);
            const roles = new Map<string, Role>();
            for (const [ref, role] of Object.entries(body.access ?? {})) {
              roles.set((await entityRef(tx, tenantId, ref)).id, role);
            }
            if (!roles.has(home.id)) roles.set(home.id, 'Standard User');
            const now = clock.now();
            const user: User = {
              id: ids.hex32(),
              tenantId,
              username: body.username,
              homeEntityId: home.id,
              status: 'Active',
              createdAt: now,
            };
            await tx.insertUser(user);
            const memberships: Membership[] = [...roles].map(([entityId, role]) => ({
              userId: user.id,
              entityId,
              role,
              status: 'Active',
              updatedAt: now,
            }));
            for (const m of memberships) await tx.upsertMembership(m);
            const view = userView(user, memberships);
            await recordAudit(tx, { clock, ids }, tenantId, null, {
              action: 'user.create',
              resourceType: 'user',
              resourceId: user.id,
              before: null,
              after: view,
            });
            return view;
          })
          .catch(takenError),
      );
    },

    async listUsers(tenantId: string) {
      await tenantOrThrow(tenantId);
      const users = await store.listUsers(tenantId);
      return Promise.all(users.map(async (u) => userView(u, await store.listMemberships(u.id))));
    },

    /** The user's clients get no new tokens and its tokens stop at once (auth-service checks the status). */
    async deactivateUser(tenantId: string, userId: string) {
      return inTenant(tenantId, () =>
        store.transaction(async (tx) => {
          const user = await tx.findUser(tenantId, userId);
          if (!user) throw new AppError('USER_NOT_FOUND');
          const memberships = await tx.listMemberships(user.id);
          await tx.setUserStatus(tenantId, userId, 'Inactive');
          const before = userView(user, memberships);
          const after = userView({ ...user, status: 'Inactive' }, memberships);
          if (user.status !== 'Inactive') {
            await recordAudit(tx, { clock, ids }, tenantId, null, {
              action: 'user.deactivate',
              resourceType: 'user',
              resourceId: userId,
              before: { status: before.status },
              after: { status: after.status },
            });
          }
          return after;
        }),
      );
    },

    async createClient(tenantId: string, body: CreateClientBody) {
      return inTenant(tenantId, () =>
        store
          .transaction(async (tx) => {
            const user =
              (await tx.findUser(tenantId, body.user)) ?? (await tx.findUserByUsername(tenantId, body.user));
            if (!user)
              throw new AppError(
                'USER_NOT_FOUND',
                `No user with id or username '${body.user}' in this tenant.`,
              );
            const access = userAccess(user, await tx.listMemberships(user.id));
            const entityIds: string[] = [];
            for (const ref of body.entities) {
              const entity: Entity = await entityRef(tx, tenantId, ref);
              if (!canAccess(access, entity.id) && user.homeEntityId !== entity.id) {
                throw new AppError('VALIDATION_FAILED', `The user has no access to entity '${ref}'.`);
              }
              if (!entityIds.includes(entity.id)) entityIds.push(entity.id);
            }
            const clientSecret = body.clientSecret ?? ids.secret(SECRET_LENGTH);
            const client: OAuthClient = {
              clientId: body.clientId ?? ids.uuid(),
              tenantId,
              userId: user.id,
              secretHash: hashSecret(clientSecret),
              entityIds,
              createdAt: clock.now(),
              status: 'Active',
            };
            await tx.insertClient(client);
            const view = clientView(client);
            await recordAudit(tx, { clock, ids }, tenantId, null, {
              action: 'client.create',
              resourceType: 'client',
              resourceId: client.clientId,
              before: null,
              after: view,
            });
            return { ...view, clientSecret };
          })
          .catch(takenError),
      );
    },

    async listClients(tenantId: string) {
      await tenantOrThrow(tenantId);
      return (await store.listClients(tenantId)).map(clientView);
    },

    /** The client gets no new tokens and its tokens stop at once (auth-service checks the status). */
    async deactivateClient(tenantId: string, clientId: string) {
      return inTenant(tenantId, () =>
        store.transaction(async (tx) => {
          const client = await tx.findClient(clientId);
          if (!client || client.tenantId !== tenantId) throw new AppError('CLIENT_NOT_FOUND');
          await tx.setClientStatus(clientId, 'Inactive');
          if (client.status !== 'Inactive') {
            await recordAudit(tx, { clock, ids }, tenantId, null, {
              action: 'client.deactivate',
              resourceType: 'client',
              resourceId: clientId,
              before: { status: client.status ?? 'Active' },
              after: { status: 'Inactive' },
            });
          }
          return clientView({ ...client, status: 'Inactive' });
        }),
      );
    },

    async getClock(tenantId: string): Promise<ClockView> {
      return clockView((await tenantOrThrow(tenantId)).state.clock);
    },

    /** Sets the time the tenant sees (`time`), and whether it stands still (`frozen`); what is left out stays. */
    async setClock(tenantId: string, body: SetClockBody): Promise<ClockView> {
      const { state } = await tenantOrThrow(tenantId);
      let time = clock.nowFor(state.clock);
      if (body.time !== undefined) {
        time = Date.parse(body.time);
        if (Number.isNaN(time))
          throw new AppError('VALIDATION_FAILED', 'Invalid value for time: not a date-time.');
      }
      const next = clockSetTo(time, body.frozen ?? state.clock.frozenAt !== null, clock.server.now());
      await store.updateTenantState(tenantId, { clock: next });
      return clockView(next);
    },

    async advanceClock(tenantId: string, body: AdvanceClockBody): Promise<ClockView> {
      const ms =
        (body.milliseconds ?? 0) +
        (body.seconds ?? 0) * 1000 +
        (body.minutes ?? 0) * MINUTE_MS +
        (body.hours ?? 0) * 60 * MINUTE_MS +
        (body.days ?? 0) * 24 * 60 * MINUTE_MS;
      // Read and write in one transaction, so two advances at once add up.
      const next = await store.transaction(async (tx) => {
        const state = await tx.findTenantState(tenantId);
        if (!state) throw new AppError('TENANT_NOT_FOUND');
        const moved = clockAdvanced(state.clock, ms);
        await tx.updateTenantState(tenantId, { clock: moved });
        return moved;
      });
      return clockView(next);
    },

    async resetClock(tenantId: string): Promise<ClockView> {
      await tenantOrThrow(tenantId);
      await store.updateTenantState(tenantId, { clock: REAL_TIME });
      return clockView(REAL_TIME);
    },

    async listAudit(tenantId: string, filter: { resourceId?: string; action?: string; limit?: number }) {
      await tenantOrThrow(tenantId);
      return (await store.listAuditEvents(tenantId, filter)).map(auditView);
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
