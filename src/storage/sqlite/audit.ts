import type SqliteDatabase from 'better-sqlite3';
import type { AuditStore } from '../../domain/ports/index.js';
import * as map from '../row-mappers.js';
import type { AuditEventsTable } from '../schema.js';

const COLUMNS =
  'id, tenant_id, at, user_id, client_id, entity_id, action, resource_type, resource_id, before, after';

interface ListParameters {
  tenantId: string;
  resourceId?: string;
  action: string | null;
  limit: number;
}

/** The audit trail on SQLite. */
export function sqliteAuditStore(db: SqliteDatabase.Database): AuditStore {
  const insert = db.prepare<AuditEventsTable>(
    `insert into audit_events (${COLUMNS}) values (@id, @tenant_id, @at, @user_id, @client_id, @entity_id,
       @action, @resource_type, @resource_id, @before, @after)`,
  );
  // Two statements, one per index (docs/PERFORMANCE.md, "The audit trail's two list statements").
  const list = db.prepare<ListParameters, AuditEventsTable>(
    `select ${COLUMNS} from audit_events
     where tenant_id = @tenantId and (@action is null or action = @action)
     order by at desc, id desc limit @limit`,
  );
  const listOfResource = db.prepare<ListParameters, AuditEventsTable>(
    `select ${COLUMNS} from audit_events
     where tenant_id = @tenantId and resource_id = @resourceId and (@action is null or action = @action)
     order by at desc, id desc limit @limit`,
  );

  return {
    async insertAuditEvent(event) {
      insert.run(map.fromAuditEvent(event));
    },
    async listAuditEvents(tenantId, filter) {
      const action = filter?.action ?? null;
      const limit = filter?.limit ?? 100;
      const resourceId = filter?.resourceId;
      const rows =
        resourceId === undefined
          ? list.all({ tenantId, action, limit })
          : listOfResource.all({ tenantId, resourceId, action, limit });
      return rows.map(map.toAuditEvent);
    },
  };
}
