import type SqliteDatabase from 'better-sqlite3';
import type { TenantStore } from '../../domain/ports/index.js';
import * as map from '../row-mappers.js';
import type { TenantsTable } from '../schema.js';

type TenantRow = Pick<TenantsTable, 'id' | 'name' | 'api_version' | 'created_at'>;
type RuntimeRow = Pick<TenantsTable, 'id' | 'id_seed' | 'id_counter' | 'clock_offset_ms' | 'clock_frozen_at'>;
type OverviewRow = Omit<TenantsTable, 'fixture'> & { resettable: number };
/** updateTenantState's parameters: better-sqlite3 binds no booleans, so the flags are 0 or 1. */
interface StatePatch {
  id: string;
  setFixture: number;
  fixture: string | null;
  setIdSeed: number;
  idSeed: string | null;
  idCounter: number | null;
  setClock: number;
  offsetMs: number | null;
  frozenAt: number | null;
}

/**
 * The tenants columns but `fixture`: the fixture a tenant was created from is JSON of every entity,
 * user and client (292 kB for 512 entities), and only reset reads it.
 */
const TENANT = 'id, name, api_version, created_at';
const OVERVIEW = `${TENANT}, id_seed, id_counter, clock_offset_ms, clock_frozen_at, fixture is not null as resettable`;

/**
 * What deleteTenantData deletes before the tenant, children first, so that it holds without
 * relying on ON DELETE CASCADE.
 */
const TENANT_DATA = [
  'delete from idempotency_keys where tenant_id = ?',
  'delete from access_tokens where tenant_id = ?',
  'delete from entity_connections where tenant_id = ?',
  'delete from oauth_clients where tenant_id = ?',
  'delete from memberships where user_id in (select id from users where tenant_id = ?)',
  'delete from users where tenant_id = ?',
  'delete from entities where tenant_id = ?',
  'delete from audit_events where tenant_id = ?',
  'delete from fault_rules where tenant_id = ?',
  'delete from tenant_limits where tenant_id = ?',
];

/** Tenants on SQLite. Its one connection runs one transaction at a time: the locks only read. */
export function sqliteTenantStore(db: SqliteDatabase.Database): TenantStore {
  const insert = db.prepare<TenantsTable>(
    `insert into tenants (id, name, api_version, created_at, fixture, id_seed, id_counter, clock_offset_ms, clock_frozen_at)
     values (@id, @name, @api_version, @created_at, @fixture, @id_seed, @id_counter, @clock_offset_ms, @clock_frozen_at)`,
  );
  const find = db.prepare<[string], TenantRow>(`select ${TENANT} from tenants where id = ?`);
  const list = db.prepare<[], TenantRow>(`select ${TENANT} from tenants order by created_at, id`);
  const findOverview = db.prepare<[string], OverviewRow>(`select ${OVERVIEW} from tenants where id = ?`);
  const listOverviews = db.prepare<[], OverviewRow>(
    `select ${OVERVIEW} from tenants order by created_at, id`,
  );
  const findState = db.prepare<[string], TenantsTable>(
    'select id, name, api_version, created_at, fixture, id_seed, id_counter, clock_offset_ms, clock_frozen_at from tenants where id = ?',
  );
  const findRuntime = db.prepare<[string], RuntimeRow>(
    'select id, id_seed, id_counter, clock_offset_ms, clock_frozen_at from tenants where id = ?',
  );
  // A flag per nullable column (1 writes the value, 0 keeps the column); id_counter is never null.
  const updateState = db.prepare<StatePatch>(
    `update tenants set
       fixture = case when @setFixture then @fixture else fixture end,
       id_seed = case when @setIdSeed then @idSeed else id_seed end,
       id_counter = coalesce(@idCounter, id_counter),
       clock_offset_ms = case when @setClock then @offsetMs else clock_offset_ms end,
       clock_frozen_at = case when @setClock then @frozenAt else clock_frozen_at end
     where id = @id`,
  );
  const nextSequence = db.prepare<[string], { id_counter: number }>(
    'update tenants set id_counter = id_counter + 1 where id = ? returning id_counter',
  );
  const deleteData = TENANT_DATA.map((text) => db.prepare<[string]>(text));
  const deleteTenant = db.prepare<[string]>('delete from tenants where id = ?');
  const exists = db.prepare<[string], { id: string }>('select id from tenants where id = ?');

  return {
    async insertTenant(tenant) {
      insert.run(map.fromTenant(tenant));
    },
    async findTenant(id) {
      const row = find.get(id);
      return row && map.toTenant(row);
    },
    async listTenants() {
      return list.all().map(map.toTenant);
    },
    async findTenantOverview(id) {
      const row = findOverview.get(id);
      return row && map.toTenantOverview(row);
    },
    async listTenantOverviews() {
      return listOverviews.all().map(map.toTenantOverview);
    },
    async findTenantState(id) {
      const row = findState.get(id);
      return row && map.toTenantState(row);
    },
    async findTenantRuntime(id) {
      const row = findRuntime.get(id);
      return row && map.toTenantRuntime(row);
    },
    async updateTenantState(id, patch) {
      const { fixture, idSeed, idCounter, clock } = patch;
      // An empty patch writes nothing: no new row version, nothing to make durable.
      if ([fixture, idSeed, idCounter, clock].every((value) => value === undefined)) return;
      updateState.run({
        id,
        setFixture: fixture === undefined ? 0 : 1,
        fixture: fixture ?? null,
        setIdSeed: idSeed === undefined ? 0 : 1,
        idSeed: idSeed ?? null,
        idCounter: idCounter ?? null,
        setClock: clock === undefined ? 0 : 1,
        offsetMs: clock?.offsetMs ?? null,
        frozenAt: clock?.frozenAt ?? null,
      });
    },
    async nextIdSequence(id) {
      const row = nextSequence.get(id);
      if (row === undefined) throw new Error(`no tenant ${id} to take an id sequence from`);
      return Number(row.id_counter);
    },
    async deleteTenantData(id, { keepTenant }) {
      for (const statement of deleteData) statement.run(id);
      if (!keepTenant) deleteTenant.run(id);
    },
    async lockTenant(id) {
      return exists.get(id) !== undefined;
    },
    async lockTenantCreation() {},
  };
}
