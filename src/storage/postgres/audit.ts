import type { AuditStore } from '../../domain/ports/index.js';
import * as map from '../row-mappers.js';
import type { AuditEventsTable } from '../schema.js';
import type { PgSession, PgStatement } from './session.js';

const COLUMNS =
  'id, tenant_id, at, user_id, client_id, entity_id, action, resource_type, resource_id, before, after';

const INSERT: PgStatement = {
  name: 'audit.insert',
  text: `insert into audit_events (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
};
/** Two statements, one per index (docs/PERFORMANCE.md, "The audit trail's two list statements"). */
const LIST: PgStatement = {
  name: 'audit.list',
  text: `select ${COLUMNS} from audit_events
         where tenant_id = $1 and ($2::text is null or action = $2)
         order by at desc, id desc limit $3`,
};
const LIST_OF_RESOURCE: PgStatement = {
  name: 'audit.listOfResource',
  text: `select ${COLUMNS} from audit_events
         where tenant_id = $1 and ($2::text is null or action = $2) and resource_id = $4
         order by at desc, id desc limit $3`,
};

/** The audit trail on PostgreSQL, through `session`. */
export function postgresAuditStore(session: PgSession): AuditStore {
  return {
    async insertAuditEvent(event) {
      const row = map.fromAuditEvent(event);
      await session.count(INSERT, [
        row.id,
        row.tenant_id,
        row.at,
        row.user_id,
        row.client_id,
        row.entity_id,
        row.action,
        row.resource_type,
        row.resource_id,
        row.before,
        row.after,
      ]);
    },
    async listAuditEvents(tenantId, filter) {
      const action = filter?.action ?? null;
      const limit = filter?.limit ?? 100;
      const resourceId = filter?.resourceId;
      const rows =
        resourceId === undefined
          ? await session.rows<AuditEventsTable>(LIST, [tenantId, action, limit])
          : await session.rows<AuditEventsTable>(LIST_OF_RESOURCE, [tenantId, action, limit, resourceId]);
      return rows.map(map.toAuditEvent);
    },
  };
}
