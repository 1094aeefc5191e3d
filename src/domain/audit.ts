import type { Clock } from './clock.js';
import type { IdGenerator } from './ids.js';
import type { Actor, AuditEvent } from './model.js';
import type { AuditStore } from './ports/index.js';

export interface AuditChange {
  action: string;
  resourceType: AuditEvent['resourceType'];
  resourceId: string;
  before: unknown;
  after: unknown;
}

/**
 * Records a change in the audit trail, inside the caller's transaction: the change and its record
 * land together or not at all. `actor` is null for changes by the operator or a fixture.
 */
export async function recordAudit(
  tx: Pick<AuditStore, 'insertAuditEvent'>,
  deps: { clock: Clock; ids: IdGenerator },
  tenantId: string,
  actor: Actor | null,
  change: AuditChange,
): Promise<void> {
  await tx.insertAuditEvent({
    id: deps.ids.hex32(),
    tenantId,
    at: deps.clock.now(),
    userId: actor?.userId ?? null,
    clientId: actor?.clientId ?? null,
    entityId: actor?.entityId ?? null,
    ...change,
  });
}
