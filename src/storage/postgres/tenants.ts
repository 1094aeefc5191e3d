import type { TenantStore } from '../../domain/ports/index.js';
import * as map from '../row-mappers.js';
import type { TenantsTable } from '../schema.js';
import { advisoryLockId } from './advisory-lock.js';
import type { PgSession, PgStatement } from './session.js';

type TenantRow = Pick<TenantsTable, 'id' | 'name' | 'api_version' | 'created_at'>;
type RuntimeRow = Pick<TenantsTable, 'id' | 'id_seed' | 'id_counter' | 'clock_offset_ms' | 'clock_frozen_at'>;
type OverviewRow = Omit<TenantsTable, 'fixture'> & { resettable: boolean };

/**
 * The tenants columns but `fixture`: the fixture a tenant was created from is JSON of every entity,
 * user and client (292 kB for 512 entities), and only reset reads it.
 */
const TENANT = 'id, name, api_version, created_at';
const OVERVIEW = `${TENANT}, id_seed, id_counter, clock_offset_ms, clock_frozen_at, fixture is not null as resettable`;

const INSERT: PgStatement = {
  name: 'tenants.insert',
  text: `insert into tenants (id, name, api_version, created_at, fixture, id_seed, id_counter, clock_offset_ms, clock_frozen_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
};
const FIND: PgStatement = { name: 'tenants.find', text: `select ${TENANT} from tenants where id = $1` };
const LIST: PgStatement = {
  name: 'tenants.list',
  text: `select ${TENANT} from tenants order by created_at, id`,
};
const FIND_OVERVIEW: PgStatement = {
  name: 'tenants.findOverview',
  text: `select ${OVERVIEW} from tenants where id = $1`,
};
const LIST_OVERVIEWS: PgStatement = {
  name: 'tenants.listOverviews',
  text: `select ${OVERVIEW} from tenants order by created_at, id`,
};
const FIND_STATE: PgStatement = {
  name: 'tenants.findState',
  text: 'select id, name, api_version, created_at, fixture, id_seed, id_counter, clock_offset_ms, clock_frozen_at from tenants where id = $1',
};
const FIND_RUNTIME: PgStatement = {
  name: 'tenants.findRuntime',
  text: 'select id, id_seed, id_counter, clock_offset_ms, clock_frozen_at from tenants where id = $1',
};
/** A flag per nullable column (true writes the value, false keeps the column); id_counter is never null. */
const UPDATE_STATE: PgStatement = {
  name: 'tenants.updateState',
  text: `update tenants set
           fixture = case when $2::boolean then $3::text else fixture end,
           id_seed = case when $4::boolean then $5::text else id_seed end,
           id_counter = coalesce($6::bigint, id_counter),
           clock_offset_ms = case when $7::boolean then $8::bigint else clock_offset_ms end,
           clock_frozen_at = case when $7::boolean then $9::bigint else clock_frozen_at end
         where id = $1`,
};
const NEXT_ID_SEQUENCE: PgStatement = {
  name: 'tenants.nextIdSequence',
  text: 'update tenants set id_counter = id_counter + 1 where id = $1 returning id_counter',
};
/**
 * What deleteTenantData deletes before the tenant, children first, so that it holds without
 * relying on ON DELETE CASCADE.
 */
const DELETE_DATA: PgStatement[] = [
  { name: 'tenants.deleteData.idempotencyKeys', text: 'delete from idempotency_keys where tenant_id = $1' },
  { name: 'tenants.deleteData.accessTokens', text: 'delete from access_tokens where tenant_id = $1' },
  { name: 'tenants.deleteData.connections', text: 'delete from entity_connections where tenant_id = $1' },
  { name: 'tenants.deleteData.clients', text: 'delete from oauth_clients where tenant_id = $1' },
  {
    name: 'tenants.deleteData.memberships',
    text: 'delete from memberships where user_id in (select id from users where tenant_id = $1)',
  },
  { name: 'tenants.deleteData.users', text: 'delete from users where tenant_id = $1' },
  { name: 'tenants.deleteData.entities', text: 'delete from entities where tenant_id = $1' },
  { name: 'tenants.deleteData.auditEvents', text: 'delete from audit_events where tenant_id = $1' },
  { name: 'tenants.deleteData.faultRules', text: 'delete from fault_rules where tenant_id = $1' },
  { name: 'tenants.deleteData.limits', text: 'delete from tenant_limits where tenant_id = $1' },
];
const DELETE: PgStatement = { name: 'tenants.delete', text: 'delete from tenants where id = $1' };
/** FOR UPDATE also waits for (and holds off) every insert that references the tenant. */
const LOCK_ALL: PgStatement = {
  name: 'tenants.lockAll',
  text: 'select id from tenants where id = $1 for update',
};
/** FOR NO KEY UPDATE lets requests that only reference the tenant (FOR KEY SHARE) go on. */
const LOCK_HIERARCHY: PgStatement = {
  name: 'tenants.lockHierarchy',
  text: 'select id from tenants where id = $1 for no key update',
};
const LOCK_CREATION: PgStatement = {
  name: 'tenants.lockCreation',
  text: 'select pg_advisory_xact_lock($1::bigint)',
};

/** Tenants on PostgreSQL, through `session`: the pool, or the connection of one transaction. */
export function postgresTenantStore(session: PgSession): TenantStore {
  return {
    async insertTenant(tenant) {
      const row = map.fromTenant(tenant);
      await session.count(INSERT, [
        row.id,
        row.name,
        row.api_version,
        row.created_at,
        row.fixture,
        row.id_seed,
        row.id_counter,
        row.clock_offset_ms,
        row.clock_frozen_at,
      ]);
    },
    async findTenant(id) {
      const [row] = await session.rows<TenantRow>(FIND, [id]);
      return row && map.toTenant(row);
    },
    async listTenants() {
      return (await session.rows<TenantRow>(LIST, [])).map(map.toTenant);
    },
    async findTenantOverview(id) {
      const [row] = await session.rows<OverviewRow>(FIND_OVERVIEW, [id]);
      return row && map.toTenantOverview(row);
    },
    async listTenantOverviews() {
      return (await session.rows<OverviewRow>(LIST_OVERVIEWS, [])).map(map.toTenantOverview);
    },
    async findTenantState(id) {
      const [row] = await session.rows<TenantsTable>(FIND_STATE, [id]);
      return row && map.toTenantState(row);
    },
    async findTenantRuntime(id) {
      const [row] = await session.rows<RuntimeRow>(FIND_RUNTIME, [id]);
      return row && map.toTenantRuntime(row);
    },
    async updateTenantState(id, patch) {
      const { fixture, idSeed, idCounter, clock } = patch;
      // An empty patch writes nothing: no new row version, nothing to make durable.
      if ([fixture, idSeed, idCounter, clock].every((value) => value === undefined)) return;
      await session.count(UPDATE_STATE, [
        id,
        fixture !== undefined,
        fixture ?? null,
        idSeed !== undefined,
        idSeed ?? null,
        idCounter ?? null,
        clock !== undefined,
        clock?.offsetMs ?? null,
        clock?.frozenAt ?? null,
      ]);
    },
    async nextIdSequence(id) {
      const [row] = await session.rows<{ id_counter: number }>(NEXT_ID_SEQUENCE, [id]);
      if (row === undefined) throw new Error(`no tenant ${id} to take an id sequence from`);
      return Number(row.id_counter);
    },
    async deleteTenantData(id, { keepTenant }) {
      for (const statement of DELETE_DATA) await session.count(statement, [id]);
      if (!keepTenant) await session.count(DELETE, [id]);
    },
    async lockTenant(id, scope) {
      const rows = await session.rows(scope === 'all' ? LOCK_ALL : LOCK_HIERARCHY, [id]);
      return rows.length > 0;
    },
    async lockTenantCreation(id) {
      // Namespaced, so that it never shares an id with an Idempotency-Key's lock.
      await session.rows(LOCK_CREATION, [advisoryLockId(`tenant creation\0${id}`)]);
    },
  };
}
