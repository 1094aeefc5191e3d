// The benchmark's data, written through the store (fixtures for tenants, users and clients; the
// store's bulk insert for the scale tenant's connections), never through HTTP.
import { systemClock } from '../src/domain/clock.js';
import { loadFixture } from '../src/domain/fixture-loader.js';
import type { Connection } from '../src/domain/model.js';
import type { Store } from '../src/domain/ports/index.js';

/** 32 hex characters from a tenant number and an entity number, so every run has the same ids. */
export const entityId = (tenant: number, index: number) =>
  `be${String(tenant).padStart(10, '0')}${String(index).padStart(20, '0')}`;
const clientId = (tenant: number, index: number) =>
  `${String(tenant).padStart(8, '0')}-0000-4000-8000-${String(index).padStart(12, '0')}`;
const secretOf = (tenant: number, index: number) => `bench-secret-${tenant}-${index}`;

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

/** A small tenant for reads: a global entity, 30 children, 30 Connected connections from the global. */
export const READ_TENANT = 100001;
export const READ_CHILDREN = 30;
/** Writes: 512 entities (the limit), 16 administrators of every entity, each with a client for 32 of them. */
export const WRITE_TENANT = 100002;
export const WRITE_ENTITIES = 512;
export const WRITE_CLIENTS = 16;
export const WRITE_SCOPE = WRITE_ENTITIES / WRITE_CLIENTS;
/** The mixed workload: many small tenants, each a global entity and two children. */
export const MIXED_TENANT_BASE = 200000;
/** The scale tenant: 512 entities, every ordered pair connected. */
export const SCALE_TENANT = 400000;
export const SCALE_SMALL_TENANTS_BASE = 500000;

export const credentials = {
  read: { clientId: clientId(READ_TENANT, 0), clientSecret: secretOf(READ_TENANT, 0) },
  write: (i: number) => ({ clientId: clientId(WRITE_TENANT, i), clientSecret: secretOf(WRITE_TENANT, i) }),
  mixed: (t: number) => ({
    clientId: clientId(MIXED_TENANT_BASE + t, 0),
    clientSecret: secretOf(MIXED_TENANT_BASE + t, 0),
  }),
  scale: { clientId: clientId(SCALE_TENANT, 0), clientSecret: secretOf(SCALE_TENANT, 0) },
};

const place = { locale: 'en_US', timezone: 'America/Los_Angeles' };

function tenantFixture(
  tenant: number,
  entityCount: number,
  users: { home: number; clients: number[][] }[],
  connections: { source: number; target: number; status: 'Connected' }[] = [],
) {
  const name = (i: number) => (i === 0 ? 'Global' : `E${i}`);
  const children = [];
  for (let i = 1; i < entityCount; i++) children.push({ id: entityId(tenant, i), name: name(i), ...place });
  const access: Record<string, string> = {};
  for (let i = 0; i < entityCount; i++) access[name(i)] = 'Administrator';
  return {
    id: String(tenant),
    name: `Bench ${tenant}`,
    entities: [{ id: entityId(tenant, 0), name: 'Global', ...place, children }],
    users: users.map((u, ui) => ({
      username: `admin${ui}@bench.test`,
      homeEntity: name(u.home),
      access,
      clients: u.clients.map((scope, ci) => ({
        clientId: clientId(tenant, ui + ci),
        clientSecret: secretOf(tenant, ui + ci),
        entities: scope.map(name),
      })),
    })),
    connections: connections.map((c) => ({
      source: name(c.source),
      target: name(c.target),
      status: c.status,
    })),
  };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

/**
 * The tenants of the load scenarios (1 to 5). `writeUsers`: how many of the write tenant's 16
 * administrators (test/bench/comparator.test.ts makes one, for a faster seed).
 */
export async function setUpMain(
  store: Store,
  mixedTenants: number,
  writeUsers = WRITE_CLIENTS,
): Promise<void> {
  const tenants = [
    tenantFixture(
      READ_TENANT,
      READ_CHILDREN + 1,
      [{ home: 0, clients: [range(0, READ_CHILDREN + 1)] }],
      range(1, READ_CHILDREN).map((target) => ({ source: 0, target, status: 'Connected' as const })),
    ),
    tenantFixture(
      WRITE_TENANT,
      WRITE_ENTITIES,
      range(0, writeUsers).map((u) => ({
        home: u * WRITE_SCOPE,
        clients: [range(u * WRITE_SCOPE, WRITE_SCOPE)],
      })),
    ),
  ];
  for (let t = 0; t < mixedTenants; t++) {
    tenants.push(tenantFixture(MIXED_TENANT_BASE + t, 3, [{ home: 0, clients: [[0, 1, 2]] }]));
  }
  await loadFixture(store, systemClock, { tenants });
}

/**
 * Scenario 6: the read tenant (for comparison), a tenant of 512 entities with every ordered pair
 * connected (512 x 511 = 261,632 connections), and `smallTenants` more tenants of one entity each.
 */
export async function setUpScale(store: Store, smallTenants: number): Promise<number> {
  await setUpMain(store, 0);
  await loadFixture(store, systemClock, {
    tenants: [tenantFixture(SCALE_TENANT, WRITE_ENTITIES, [{ home: 0, clients: [[0]] }])],
  });
  const start = Date.now() - 86_400_000;
  let batch: Connection[] = [];
  let count = 0;
  for (let s = 0; s < WRITE_ENTITIES; s++) {
    for (let t = 0; t < WRITE_ENTITIES; t++) {
      if (s === t) continue;
      const at = start + count;
      batch.push({
        id: `c0${String(count).padStart(30, '0')}`,
        tenantId: String(SCALE_TENANT),
        sourceEntityId: entityId(SCALE_TENANT, s),
        targetEntityId: entityId(SCALE_TENANT, t),
        status: 'Connected',
        createdAt: at,
        updatedAt: at,
      });
      count++;
    }
    if (batch.length >= 20_000) {
      const rows = batch;
      await store.transaction((tx) => tx.insertConnections(rows));
      batch = [];
    }
  }
  if (batch.length > 0) await store.transaction((tx) => tx.insertConnections(batch));
  for (let from = 0; from < smallTenants; from += 2000) {
    const tenants = range(from, Math.min(2000, smallTenants - from)).map((i) => ({
      id: String(SCALE_SMALL_TENANTS_BASE + i),
      name: `Small ${i}`,
      entities: [{ id: entityId(SCALE_SMALL_TENANTS_BASE + i, 0), name: 'Global', ...place }],
    }));
    await loadFixture(store, systemClock, { tenants });
  }
  return count;
}
