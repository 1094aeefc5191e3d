import type { Tenant, TenantClockState } from '../model.js';

/** What the admin API keeps with a tenant: how to reset it, its id seed, its clock. */
export interface TenantState {
  tenantId: string;
  /** JSON: the fixture the tenant was created from (StoredFixture); null when it keeps none, and cannot be reset. */
  fixture: string | null;
  idSeed: string | null;
  /** How many seeded id sequences have been handed out. */
  idCounter: number;
  clock: TenantClockState;
}

/** A tenant's state without its fixture: all a request needs (clock, seed), without the fixture's JSON. */
export type TenantRuntime = Omit<TenantState, 'fixture'>;

/** A tenant as the admin API lists it: its record and state, and whether it keeps a fixture to reset to. */
export interface TenantOverview {
  tenant: Tenant;
  state: TenantRuntime;
  resettable: boolean;
}

/** Tenants: the aggregate root of everything else, its admin state and its locks. */
export interface TenantStore {
  insertTenant(tenant: Tenant): Promise<void>;
  findTenant(id: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  /** The tenant with its state, in one read that leaves the fixture's JSON unread. */
  findTenantOverview(id: string): Promise<TenantOverview | undefined>;
  /** Every tenant with its state, oldest first, in one read. */
  listTenantOverviews(): Promise<TenantOverview[]>;
  findTenantState(id: string): Promise<TenantState | undefined>;
  /** The state without the fixture, which can be hundreds of kilobytes. */
  findTenantRuntime(id: string): Promise<TenantRuntime | undefined>;
  updateTenantState(
    id: string,
    patch: Partial<Pick<TenantState, 'fixture' | 'idSeed' | 'idCounter' | 'clock'>>,
  ): Promise<void>;
  /** Takes the tenant's next id sequence number (from 1); run it in a transaction. */
  nextIdSequence(id: string): Promise<number>;
  /**
   * Removes everything the tenant holds: connections, tokens, clients, memberships, users,
   * entities, idempotency keys, audit events, fault rules, limit settings; and the tenant itself
   * unless `keepTenant`.
   */
  deleteTenantData(id: string, options: { keepTenant: boolean }): Promise<void>;
  /**
   * Locks the tenant's row until the transaction ends (PostgreSQL runs READ COMMITTED; on SQLite,
   * whose one connection runs one transaction at a time, it only reads). 'all': FOR UPDATE, which
   * also waits for (and holds off) every insert that references the tenant (reset, delete);
   * 'hierarchy': FOR NO KEY UPDATE, which serializes changes to the tenant's entities and clock but
   * lets requests that only reference the tenant go on. Answers whether the tenant exists.
   */
  lockTenant(id: string, scope: 'all' | 'hierarchy'): Promise<boolean>;
  /**
   * Waits for any other transaction creating the tenant of this id to end (PostgreSQL: a
   * transaction-level advisory lock), so that two processes loading the same fixture do not both
   * find the tenant missing.
   */
  lockTenantCreation(id: string): Promise<void>;
}
