import type { Connection, Entity } from '../../domain/model.js';

/** Domain records in Zuora's wire form: the one place each changes shape on the way out. */

/** Exactly Zuora's eight entity fields, in Zuora's order (docs/CONTRACT.md §1). */
export const entityToWire = (e: Entity) => ({
  id: e.id,
  name: e.name,
  displayName: e.displayName,
  locale: e.locale,
  timezone: e.timezone,
  status: e.status,
  parentId: e.parentId,
  tenantId: e.tenantId,
});

/** Exactly Zuora's four connection fields (docs/CONTRACT.md §1). */
export const connectionToWire = (c: Connection) => ({
  id: c.id,
  sourceEntityId: c.sourceEntityId,
  targetEntityId: c.targetEntityId,
  status: c.status,
});
