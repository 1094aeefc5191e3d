import type { Entity } from '../model.js';

/** A tenant's entities (the hierarchy). Names are unique in a tenant: `UniqueViolation`. */
export interface EntityStore {
  insertEntity(entity: Entity): Promise<void>;
  findEntity(tenantId: string, id: string): Promise<Entity | undefined>;
  /** Those of `ids` that are entities of the tenant, in no particular order (unknown ids are left out). */
  findEntities(tenantId: string, ids: readonly string[]): Promise<Entity[]>;
  /**
   * `findEntities`, the rows locked FOR KEY SHARE: none of them can be deleted until the
   * transaction ends, while updates and provisioning go on.
   */
  lockEntities(tenantId: string, ids: readonly string[]): Promise<Entity[]>;
  findEntityByName(tenantId: string, name: string): Promise<Entity | undefined>;
  listEntities(tenantId: string, filter?: { provisioned?: boolean }): Promise<Entity[]>;
  updateEntity(
    tenantId: string,
    id: string,
    patch: Partial<Pick<Entity, 'name' | 'displayName' | 'locale' | 'timezone' | 'status'>>,
  ): Promise<void>;
  deleteEntities(tenantId: string, ids: string[]): Promise<void>;
}
