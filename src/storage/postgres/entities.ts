import { entityNameKey } from '../../domain/entity-rules.js';
import type { EntityStore } from '../../domain/ports/index.js';
import { columns } from '../columns.js';
import * as map from '../row-mappers.js';
import type { EntitiesTable } from '../schema.js';
import type { PgSession, PgStatement } from './session.js';

type EntityRow = Omit<EntitiesTable, 'name_key'>;

/** Every column but `name_key`, which only the unique index and `findEntityByName` read. */
const COLUMNS = columns.entities;

const INSERT: PgStatement = {
  name: 'entities.insert',
  text: `insert into entities (id, tenant_id, name, name_key, display_name, locale, timezone, status, parent_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
};
const FIND: PgStatement = {
  name: 'entities.find',
  text: `select ${COLUMNS} from entities where tenant_id = $1 and id = $2`,
};
const FIND_MANY: PgStatement = {
  name: 'entities.findMany',
  text: `select ${COLUMNS} from entities where tenant_id = $1 and id = any($2::text[])`,
};
// FOR KEY SHARE: the rows cannot be deleted (nor their id changed) until the transaction ends,
// while updates, which take FOR NO KEY UPDATE, go on.
const LOCK_MANY: PgStatement = {
  name: 'entities.lockMany',
  text: `select ${COLUMNS} from entities where tenant_id = $1 and id = any($2::text[]) for key share`,
};
const FIND_BY_NAME: PgStatement = {
  name: 'entities.findByName',
  text: `select ${COLUMNS} from entities where tenant_id = $1 and name_key = $2`,
};
const LIST: PgStatement = {
  name: 'entities.list',
  text: `select ${COLUMNS} from entities where tenant_id = $1 and ($2::text is null or status = $2)
         order by created_at, id`,
};
// Every column is NOT NULL, so a null parameter means "unchanged".
const UPDATE: PgStatement = {
  name: 'entities.update',
  text: `update entities set name = coalesce($3, name), name_key = coalesce($4, name_key),
           display_name = coalesce($5, display_name), locale = coalesce($6, locale),
           timezone = coalesce($7, timezone), status = coalesce($8, status)
         where tenant_id = $1 and id = $2`,
};
const DELETE_MANY: PgStatement = {
  name: 'entities.deleteMany',
  text: 'delete from entities where tenant_id = $1 and id = any($2::text[])',
};

export function postgresEntityStore(session: PgSession): EntityStore {
  return {
    async insertEntity(entity) {
      const r = map.fromEntity(entity);
      await session.count(INSERT, [
        r.id,
        r.tenant_id,
        r.name,
        r.name_key,
        r.display_name,
        r.locale,
        r.timezone,
        r.status,
        r.parent_id,
        r.created_at,
      ]);
    },
    async findEntity(tenantId, id) {
      const [row] = await session.rows<EntityRow>(FIND, [tenantId, id]);
      return row && map.toEntity(row);
    },
    async findEntities(tenantId, ids) {
      if (ids.length === 0) return [];
      return (await session.rows<EntityRow>(FIND_MANY, [tenantId, ids])).map(map.toEntity);
    },
    async lockEntities(tenantId, ids) {
      if (ids.length === 0) return [];
      return (await session.rows<EntityRow>(LOCK_MANY, [tenantId, ids])).map(map.toEntity);
    },
    async findEntityByName(tenantId, name) {
      const [row] = await session.rows<EntityRow>(FIND_BY_NAME, [tenantId, entityNameKey(name)]);
      return row && map.toEntity(row);
    },
    async listEntities(tenantId, filter) {
      const status =
        filter?.provisioned === undefined ? null : filter.provisioned ? 'Provisioned' : 'Unprovisioned';
      return (await session.rows<EntityRow>(LIST, [tenantId, status])).map(map.toEntity);
    },
    async updateEntity(tenantId, id, patch) {
      const values = [
        patch.name ?? null,
        patch.name === undefined ? null : entityNameKey(patch.name),
        patch.displayName ?? null,
        patch.locale ?? null,
        patch.timezone ?? null,
        patch.status ?? null,
      ];
      if (values.every((value) => value === null)) return;
      await session.count(UPDATE, [tenantId, id, ...values]);
    },
    async deleteEntities(tenantId, ids) {
      if (ids.length === 0) return;
      await session.count(DELETE_MANY, [tenantId, ids]);
    },
  };
}
