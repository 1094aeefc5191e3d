import type SqliteDatabase from 'better-sqlite3';
import type { Connection } from '../../domain/model.js';
import type { ConnectionStore } from '../../domain/ports/index.js';
import { columns } from '../columns.js';
import * as map from '../row-mappers.js';
import type { EntityConnectionsTable } from '../schema.js';

const COLUMNS = columns.entityConnections;

/** A row of COLUMNS read as an array (`raw`), as the object better-sqlite3 would have built. */
const rowOf = (v: unknown[]): EntityConnectionsTable => ({
  id: v[0] as string,
  tenant_id: v[1] as string,
  source_entity_id: v[2] as string,
  target_entity_id: v[3] as string,
  status: v[4] as string,
  created_at: v[5] as number,
  updated_at: v[6] as number,
});

/**
 * Two lists each in (createdAt, id) order, merged into one in that order, as SQLite's ORDER BY
 * created_at, id would give them: ids are compared by code unit, which for their ASCII text is
 * SQLite's binary collation.
 */
function mergeByCreation(left: Connection[], right: Connection[]): Connection[] {
  const merged: Connection[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const a = left[i] as Connection;
    const b = right[j] as Connection;
    if (a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id)) {
      merged.push(a);
      i++;
    } else {
      merged.push(b);
      j++;
    }
  }
  for (; i < left.length; i++) merged.push(left[i] as Connection);
  for (; j < right.length; j++) merged.push(right[j] as Connection);
  return merged;
}

/** How many rows of one side a page can need: those it skips, those it shows, and one more. */
const until = (page: { offset: number; limit: number }) =>
  Math.min(page.offset + page.limit + 1, Number.MAX_SAFE_INTEGER);

export function sqliteConnectionStore(db: SqliteDatabase.Database): ConnectionStore {
  const insert = db.prepare(
    `insert into entity_connections (${COLUMNS}) values (@id, @tenant_id, @source_entity_id, @target_entity_id, @status, @created_at, @updated_at)`,
  );
  const find = db.prepare(`select ${COLUMNS} from entity_connections where tenant_id = ? and id = ?`);
  // Statuses as literals: only with them in the text does the planner see that the partial index
  // entity_connections_open_pair_unique covers the query.
  const findOpen = db.prepare(
    `select ${COLUMNS} from entity_connections
     where tenant_id = ? and source_entity_id = ? and target_entity_id = ? and status in ('Pending', 'Connected')`,
  );
  // Each direction through its own index (entity_connections_source_idx, _target_idx), in order;
  // read as arrays (docs/PERFORMANCE.md: pages of connections).
  const outboundPage = db
    .prepare(
      `select ${COLUMNS} from entity_connections where tenant_id = ? and source_entity_id = ?
       order by created_at, id limit ? offset ?`,
    )
    .raw(true);
  const inboundPage = db
    .prepare(
      `select ${COLUMNS} from entity_connections where tenant_id = ? and target_entity_id = ?
       order by created_at, id limit ? offset ?`,
    )
    .raw(true);
  const updateStatus = db.prepare(
    'update entity_connections set status = ?, updated_at = ? where tenant_id = ? and id = ?',
  );
  const remove = db.prepare('delete from entity_connections where tenant_id = ? and id = ?');
  // The id list is a JSON array, bound twice: each direction through its own index, where an OR
  // across the two columns read every connection of the tenant (docs/PERFORMANCE.md).
  const touching = `rowid in (
       select rowid from entity_connections where source_entity_id in (select value from json_each(?))
       union all
       select rowid from entity_connections where target_entity_id in (select value from json_each(?)))
     and tenant_id = ?`;
  const findTouching = db.prepare(
    `select ${COLUMNS} from entity_connections where ${touching} order by created_at, id`,
  );
  const removeTouching = db.prepare(`delete from entity_connections where ${touching}`);

  const page = (
    statement: SqliteDatabase.Statement,
    tenantId: string,
    entityId: string,
    limit: number,
    offset: number,
  ) =>
    (statement.all(tenantId, entityId, limit, offset) as unknown[][]).map((v) => map.toConnection(rowOf(v)));

  return {
    async insertConnection(connection) {
      insert.run(map.fromConnection(connection));
    },
    async insertConnections(connections) {
      for (const connection of connections) insert.run(map.fromConnection(connection));
    },
    async findConnection(tenantId, id) {
      const row = find.get(tenantId, id) as EntityConnectionsTable | undefined;
      return row && map.toConnection(row);
    },
    // One connection runs one transaction at a time: the read is the lock.
    async lockConnection(tenantId, id) {
      const row = find.get(tenantId, id) as EntityConnectionsTable | undefined;
      return row && map.toConnection(row);
    },
    async findOpenConnection(tenantId, sourceEntityId, targetEntityId) {
      const row = findOpen.get(tenantId, sourceEntityId, targetEntityId) as
        | EntityConnectionsTable
        | undefined;
      return row && map.toConnection(row);
    },
    async listConnections(tenantId, entityId, direction, { offset, limit }) {
      // One row more than the page tells whether a next page exists without a COUNT.
      if (direction !== 'both') {
        const statement = direction === 'outbound' ? outboundPage : inboundPage;
        const rows = page(statement, tenantId, entityId, limit + 1, offset);
        return { connections: rows.slice(0, limit), hasMore: rows.length > limit };
      }
      // Both directions as two index-ordered reads of at most offset + limit + 1 rows each, merged
      // here: SQLite sorts a UNION ALL of two ordered reads again (docs/PERFORMANCE.md). No
      // connection joins an entity to itself, so no row is in both.
      const needed = until({ offset, limit });
      const merged = mergeByCreation(
        page(outboundPage, tenantId, entityId, needed, 0),
        page(inboundPage, tenantId, entityId, needed, 0),
      );
      const end = Math.min(offset + limit + 1, merged.length);
      const rows = merged.slice(Math.min(offset, end), end);
      return { connections: rows.slice(0, limit), hasMore: rows.length > limit };
    },
    async updateConnectionStatus(tenantId, id, status, now) {
      updateStatus.run(status, now, tenantId, id);
    },
    async deleteConnection(tenantId, id) {
      remove.run(tenantId, id);
    },
    async deleteConnectionsOfEntities(tenantId, entityIds) {
      if (entityIds.length === 0) return [];
      const ids = JSON.stringify(entityIds);
      const rows = findTouching.all(ids, ids, tenantId) as EntityConnectionsTable[];
      removeTouching.run(ids, ids, tenantId);
      return rows.map(map.toConnection);
    },
  };
}
