import type { ConnectionStore } from '../../domain/ports/index.js';
import { columns } from '../columns.js';
import * as map from '../row-mappers.js';
import type { EntityConnectionsTable } from '../schema.js';
import type { PgSession, PgStatement } from './session.js';

const COLUMNS = columns.entityConnections;

const INSERT: PgStatement = {
  name: 'connections.insert',
  text: `insert into entity_connections (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7)`,
};
const INSERT_MANY: PgStatement = {
  name: 'connections.insertMany',
  text: `insert into entity_connections (${COLUMNS})
    select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])`,
};
const FIND: PgStatement = {
  name: 'connections.find',
  text: `select ${COLUMNS} from entity_connections where tenant_id = $1 and id = $2`,
};
const LOCK: PgStatement = {
  name: 'connections.lock',
  text: `select ${COLUMNS} from entity_connections where tenant_id = $1 and id = $2 for update`,
};
// Statuses as literals: only with them in the text does the planner see that the partial index
// entity_connections_open_pair_unique covers the query.
const FIND_OPEN: PgStatement = {
  name: 'connections.findOpen',
  text: `select ${COLUMNS} from entity_connections
    where tenant_id = $1 and source_entity_id = $2 and target_entity_id = $3 and status in ('Pending', 'Connected')`,
};
const LIST_OUTBOUND: PgStatement = {
  name: 'connections.listOutbound',
  text: `select ${COLUMNS} from entity_connections where tenant_id = $1 and source_entity_id = $2
    order by created_at, id limit $3 offset $4`,
};
const LIST_INBOUND: PgStatement = {
  name: 'connections.listInbound',
  text: `select ${COLUMNS} from entity_connections where tenant_id = $1 and target_entity_id = $2
    order by created_at, id limit $3 offset $4`,
};
// Both directions as two index-ordered reads of at most offset + limit + 1 rows each ($3), merged
// by one UNION ALL: with an OR across the two columns the whole tenant was read and sorted. No
// connection joins an entity to itself, so no row is in both halves.
const LIST_BOTH: PgStatement = {
  name: 'connections.listBoth',
  text: `select ${COLUMNS} from (
      (select ${COLUMNS} from entity_connections where tenant_id = $1 and source_entity_id = $2
        order by created_at, id limit $3)
      union all
      (select ${COLUMNS} from entity_connections where tenant_id = $1 and target_entity_id = $2
        order by created_at, id limit $3)
    ) as both_directions
    order by created_at, id limit $4 offset $5`,
};
const UPDATE_STATUS: PgStatement = {
  name: 'connections.updateStatus',
  text: 'update entity_connections set status = $3, updated_at = $4 where tenant_id = $1 and id = $2',
};
const DELETE: PgStatement = {
  name: 'connections.delete',
  text: 'delete from entity_connections where tenant_id = $1 and id = $2',
};
const DELETE_OF_ENTITIES: PgStatement = {
  name: 'connections.deleteOfEntities',
  text: `with removed as (
      delete from entity_connections
      where tenant_id = $1 and (source_entity_id = any($2::text[]) or target_entity_id = any($2::text[]))
      returning ${COLUMNS}
    )
    select ${COLUMNS} from removed order by created_at, id`,
};

export function postgresConnectionStore(session: PgSession): ConnectionStore {
  return {
    async insertConnection(c) {
      await session.count(INSERT, [
        c.id,
        c.tenantId,
        c.sourceEntityId,
        c.targetEntityId,
        c.status,
        c.createdAt,
        c.updatedAt,
      ]);
    },
    async insertConnections(connections) {
      if (connections.length === 0) return;
      await session.count(INSERT_MANY, [
        connections.map((c) => c.id),
        connections.map((c) => c.tenantId),
        connections.map((c) => c.sourceEntityId),
        connections.map((c) => c.targetEntityId),
        connections.map((c) => c.status),
        connections.map((c) => c.createdAt),
        connections.map((c) => c.updatedAt),
      ]);
    },
    async findConnection(tenantId, id) {
      const [row] = await session.rows<EntityConnectionsTable>(FIND, [tenantId, id]);
      return row && map.toConnection(row);
    },
    async lockConnection(tenantId, id) {
      const [row] = await session.rows<EntityConnectionsTable>(LOCK, [tenantId, id]);
      return row && map.toConnection(row);
    },
    async findOpenConnection(tenantId, sourceEntityId, targetEntityId) {
      const [row] = await session.rows<EntityConnectionsTable>(FIND_OPEN, [
        tenantId,
        sourceEntityId,
        targetEntityId,
      ]);
      return row && map.toConnection(row);
    },
    async listConnections(tenantId, entityId, direction, { offset, limit }) {
      // One row more than the page tells whether a next page exists without a COUNT.
      const rows =
        direction === 'both'
          ? await session.rows<EntityConnectionsTable>(LIST_BOTH, [
              tenantId,
              entityId,
              Math.min(offset + limit + 1, Number.MAX_SAFE_INTEGER),
              limit + 1,
              offset,
            ])
          : await session.rows<EntityConnectionsTable>(
              direction === 'outbound' ? LIST_OUTBOUND : LIST_INBOUND,
              [tenantId, entityId, limit + 1, offset],
            );
      return { connections: rows.slice(0, limit).map(map.toConnection), hasMore: rows.length > limit };
    },
    async updateConnectionStatus(tenantId, id, status, now) {
      await session.count(UPDATE_STATUS, [tenantId, id, status, now]);
    },
    async deleteConnection(tenantId, id) {
      await session.count(DELETE, [tenantId, id]);
    },
    async deleteConnectionsOfEntities(tenantId, entityIds) {
      if (entityIds.length === 0) return [];
      const rows = await session.rows<EntityConnectionsTable>(DELETE_OF_ENTITIES, [tenantId, entityIds]);
      return rows.map(map.toConnection);
    },
  };
}
