import type SqliteDatabase from 'better-sqlite3';
import { entityNameKey } from '../../domain/entity-rules.js';
import type { EntityStore } from '../../domain/ports/index.js';
import { columns } from '../columns.js';
import * as map from '../row-mappers.js';
import type { EntitiesTable } from '../schema.js';

type EntityRow = Omit<EntitiesTable, 'name_key'>;

/** Every column but `name_key`, which only the unique index and `findEntityByName` read. */
const COLUMNS = columns.entities;

export function sqliteEntityStore(db: SqliteDatabase.Database): EntityStore {
  const insert = db.prepare<[EntitiesTable]>(
    `insert into entities (id, tenant_id, name, name_key, display_name, locale, timezone, status, parent_id, created_at)
     values (@id, @tenant_id, @name, @name_key, @display_name, @locale, @timezone, @status, @parent_id, @created_at)`,
  );
  const find = db.prepare<[string, string], EntityRow>(
    `select ${COLUMNS} from entities where tenant_id = ? and id = ?`,
  );
  // One statement for any number of ids: the list is a JSON array.
  const findMany = db.prepare<[string, string], EntityRow>(
    `select ${COLUMNS} from entities where +tenant_id = ? and id in (select value from json_each(?))`,
  );
  const findByName = db.prepare<[string, string], EntityRow>(
    `select ${COLUMNS} from entities where tenant_id = ? and name_key = ?`,
  );
  const list = db.prepare<[{ tenant: string; status: string | null }], EntityRow>(
    `select ${COLUMNS} from entities where tenant_id = @tenant and (@status is null or status = @status)
     order by created_at, id`,
  );
  // Every column is NOT NULL, so a null parameter means "unchanged".
  const update = db.prepare<
    [
      {
        tenant: string;
        id: string;
        name: string | null;
        name_key: string | null;
        display_name: string | null;
        locale: string | null;
        timezone: string | null;
        status: string | null;
      },
    ]
  >(
    `update entities set name = coalesce(@name, name), name_key = coalesce(@name_key, name_key),
       display_name = coalesce(@display_name, display_name), locale = coalesce(@locale, locale),
       timezone = coalesce(@timezone, timezone), status = coalesce(@status, status)
     where tenant_id = @tenant and id = @id`,
  );
  const remove = db.prepare<[string, string]>(
    'delete from entities where +tenant_id = ? and id in (select value from json_each(?))',
  );

  const findEntities = async (tenantId: string, ids: readonly string[]) =>
    ids.length === 0 ? [] : findMany.all(tenantId, JSON.stringify(ids)).map(map.toEntity);

  return {
    async insertEntity(entity) {
      insert.run(map.fromEntity(entity));
    },
    async findEntity(tenantId, id) {
      const row = find.get(tenantId, id);
      return row && map.toEntity(row);
    },
    findEntities,
    // The one connection runs one transaction at a time: nothing else can delete them meanwhile.
    lockEntities: findEntities,
    async findEntityByName(tenantId, name) {
      const row = findByName.get(tenantId, entityNameKey(name));
      return row && map.toEntity(row);
    },
    async listEntities(tenantId, filter) {
      const status =
        filter?.provisioned === undefined ? null : filter.provisioned ? 'Provisioned' : 'Unprovisioned';
      return list.all({ tenant: tenantId, status }).map(map.toEntity);
    },
    async updateEntity(tenantId, id, patch) {
      const values = {
        name: patch.name ?? null,
        name_key: patch.name === undefined ? null : entityNameKey(patch.name),
        display_name: patch.displayName ?? null,
        locale: patch.locale ?? null,
        timezone: patch.timezone ?? null,
        status: patch.status ?? null,
      };
      if (Object.values(values).every((value) => value === null)) return;
      update.run({ tenant: tenantId, id, ...values });
    },
    async deleteEntities(tenantId, ids) {
      if (ids.length === 0) return;
      remove.run(tenantId, JSON.stringify(ids));
    },
  };
}
