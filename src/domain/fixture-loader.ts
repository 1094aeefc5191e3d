import type { Fixture as FixtureData, FixtureTenant } from '../contract/fixture.js';
import type { Clock } from './clock.js';
import { FixtureError, type PlannedTenant, planFixture, storedFixture } from './fixture-plan.js';
import type { OAuthClient } from './model.js';
import type { Store, StoreOps } from './ports/index.js';
import { hashSecret } from './secrets.js';
import { insertPlannedTenant } from './tenant-writer.js';

/** Whether the API has touched this resource since it was created: its audit trail is not empty. */
async function changedByApi(tx: StoreOps, tenantId: string, resourceId: string): Promise<boolean> {
  return (await tx.listAuditEvents(tenantId, { resourceId, limit: 1 })).length > 0;
}

/**
 * Client ids are unique across tenants: another tenant's client of a planned id would leave this
 * fixture's user without the client it names, so the load stops rather than skip it.
 */
async function checkClientIdsFree(
  tx: Pick<StoreOps, 'findClient'>,
  plan: PlannedTenant,
  tenantIndex: number,
): Promise<void> {
  for (const c of plan.users.flatMap((u) => u.clients)) {
    const found = await tx.findClient(c.clientId);
    if (found && found.tenantId !== plan.tenant.id) {
      throw new FixtureError(
        `fixture.tenants[${tenantIndex}]`,
        `client ${c.clientId} is already a client of tenant ${found.tenantId}; client ids are unique across tenants`,
      );
    }
  }
}

async function loadTenant(
  tx: StoreOps,
  plan: PlannedTenant,
  source: FixtureTenant,
  tenantIndex: number,
  now: number,
): Promise<void> {
  // Instances loading the same fixture at once: the second reads what the first created.
  await tx.lockTenantCreation(plan.tenant.id);
  await checkClientIdsFree(tx, plan, tenantIndex);
  // Only a tenant this load creates keeps its fixture for reset: one that exists may have been
  // created from another fixture, or by the admin API, and keeps what it has.
  if (!(await tx.findTenant(plan.tenant.id))) {
    const fixture = storedFixture({ ...source, id: plan.tenant.id });
    await insertPlannedTenant(tx, plan, { fixture, idSeed: source.idSeed ?? null }, now);
    return;
  }
  await mergeTenant(tx, plan, source, now);
}

/** Adds to an existing tenant what the fixture names and it lacks, unless the API removed it. */
async function mergeTenant(tx: StoreOps, plan: PlannedTenant, source: FixtureTenant, now: number) {
  // A setting changed through the admin API since is kept, like everything else the API changed.
  if (plan.limits && !(await tx.findTenantLimits(plan.tenant.id))) {
    await tx.setTenantLimits(plan.tenant.id, plan.limits, now);
  }
  const secrets = new Map(
    (source.users ?? []).flatMap((u) => (u.clients ?? []).map((c) => [c.clientId, c.clientSecret] as const)),
  );
  // Planned entity id -> the id it has in the database; absent when the API deleted the entity.
  // An entity is matched by id first, so one the API renamed is not created again.
  const actualIds = new Map<string, string>();
  for (const entity of plan.entities) {
    const existing =
      (await tx.findEntity(entity.tenantId, entity.id)) ??
      (await tx.findEntityByName(entity.tenantId, entity.name));
    if (existing) {
      actualIds.set(entity.id, existing.id);
      continue;
    }
    if (await changedByApi(tx, entity.tenantId, entity.id)) continue;
    if (entity.parentId !== null && !actualIds.has(entity.parentId)) continue;
    const parentId = entity.parentId === null ? null : (actualIds.get(entity.parentId) ?? null);
    await tx.insertEntity({ ...entity, parentId, createdAt: now });
    actualIds.set(entity.id, entity.id);
  }
  for (const { user, memberships, clients } of plan.users) {
    const existing = await tx.findUserByUsername(user.tenantId, user.username);
    const userId = existing?.id ?? user.id;
    if (!existing) {
      const homeEntityId = actualIds.get(user.homeEntityId);
      if (homeEntityId === undefined) continue;
      await tx.insertUser({ ...user, homeEntityId, createdAt: now });
    }
    for (const m of memberships) {
      const entityId = actualIds.get(m.entityId);
      if (entityId === undefined) continue;
      if (!(await tx.findMembership(userId, entityId))) {
        await tx.upsertMembership({ ...m, userId, entityId, updatedAt: now });
      }
    }
    for (const c of clients) {
      // checkClientIdsFree has made sure a client found is this tenant's.
      if (await tx.findClient(c.clientId)) continue;
      const secret = secrets.get(c.clientId);
      if (secret === undefined) throw new Error(`no secret for client ${c.clientId}`);
      const client: OAuthClient = {
        clientId: c.clientId,
        tenantId: user.tenantId,
        userId,
        secretHash: hashSecret(secret),
        entityIds: c.entityIds.flatMap((id) => actualIds.get(id) ?? []),
        createdAt: now,
      };
      await tx.insertClient(client);
    }
  }
  for (const c of plan.connections) {
    if (await tx.findConnection(c.tenantId, c.id)) continue;
    // A denied request is deleted: only its audit trail says the API already dealt with it.
    if (await changedByApi(tx, c.tenantId, c.id)) continue;
    const sourceEntityId = actualIds.get(c.sourceEntityId);
    const targetEntityId = actualIds.get(c.targetEntityId);
    if (sourceEntityId === undefined || targetEntityId === undefined) continue;
    if (
      c.status !== 'Disconnected' &&
      (await tx.findOpenConnection(c.tenantId, sourceEntityId, targetEntityId))
    ) {
      continue;
    }
    await tx.insertConnection({ ...c, sourceEntityId, targetEntityId, createdAt: now, updatedAt: now });
  }
}

/**
 * Loads a fixture: whatever it names that the database lacks is created, and whatever exists is
 * left as it is (matched by tenant id, entity id or name, username, client id and connection id);
 * what the API removed is known by its audit trail and not created again. So loading the same
 * fixture twice changes nothing, and a restart keeps what the API changed since.
 */
export async function loadFixture(
  store: Pick<Store, 'transaction'>,
  clock: Clock,
  value: unknown,
): Promise<PlannedTenant[]> {
  const plans = planFixture(value);
  // planFixture checked the shape, and plans its tenants in order.
  const sources = (value as FixtureData).tenants;
  await store.transaction(async (tx) => {
    for (const [i, plan] of plans.entries()) {
      const source = sources[i];
      if (source) await loadTenant(tx, plan, source, i, clock.now());
    }
  });
  return plans;
}
