import type { AuditEvent } from '../model.js';

/** The audit trail. */
export interface AuditStore {
  insertAuditEvent(event: AuditEvent): Promise<void>;
  /** Newest first. */
  listAuditEvents(
    tenantId: string,
    filter?: { limit?: number; resourceId?: string; action?: string },
  ): Promise<AuditEvent[]>;
}
