import type { PlannedTenant, StoredFixture } from './fixture-plan.js';
import type { StoreOps } from './ports/index.js';

/**
 * The one write path of a planned tenant, shared by the admin API (create, reset) and the fixture
 * loader (a tenant the database lacks). Run it inside the caller's transaction.
 */

type RecordWrites = Pick<
  StoreOps,
  'insertEntity' | 'insertUser' | 'upsertMembership' | 'insertClient' | 'insertConnection' | 'setTenantLimits'
>;

/**
 * Writes a planned tenant's records into a tenant row that exists and holds nothing (one just
 * inserted, or one reset). `secretHashes` has the hash of each planned client's secret.
 */
export async function insertPlannedRecords(
  tx: RecordWrites,
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
  // The admin API's body has no limits; a fixture file's tenant keeps its own, and reset gives them back.
  if (planned.limits) await tx.setTenantLimits(planned.tenant.id, planned.limits, now);
}

/**
 * Writes a planned tenant the database does not hold yet: its row, what it keeps for reset (its
 * fixture with the secrets' hashes, its id seed) and its records.
 */
export async function insertPlannedTenant(
  tx: RecordWrites & Pick<StoreOps, 'insertTenant' | 'updateTenantState'>,
  planned: PlannedTenant,
  kept: { fixture: StoredFixture; idSeed: string | null },
  now: number,
): Promise<void> {
  await tx.insertTenant({ ...planned.tenant, createdAt: now });
  await tx.updateTenantState(planned.tenant.id, {
    fixture: JSON.stringify(kept.fixture),
    idSeed: kept.idSeed,
  });
  await insertPlannedRecords(tx, planned, kept.fixture.secretHashes, now);
}
