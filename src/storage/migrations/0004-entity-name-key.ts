import { type Kysely, type Migration, sql } from 'kysely';
import { entityNameKey } from '../../domain/entity-rules.js';

/**
 * Entity names unique without regard to case or Unicode compatibility forms: a `name_key` column
 * (entityNameKey: NFKC, case folded) under a unique index per tenant, replacing nothing (the
 * exact-name constraint stays, and is implied). Existing rows are keyed here, in JS, since neither
 * database folds Unicode as the domain does. Two existing names that now collide keep working:
 * the later one's key is made unique with its id, so the migration never fails on old data.
 */
export const entityNameKeyMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('entities')
      .addColumn('name_key', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    const rows = await sql<{ id: string; tenant_id: string; name: string }>`
      select id, tenant_id, name from entities order by tenant_id, created_at, id`.execute(db);
    const seen = new Set<string>();
    for (const row of rows.rows) {
      let key = entityNameKey(row.name);
      if (seen.has(`${row.tenant_id}\u0000${key}`)) key = `${key}\u0000${row.id}`;
      seen.add(`${row.tenant_id}\u0000${key}`);
      await sql`update entities set name_key = ${key} where id = ${row.id}`.execute(db);
    }
    await db.schema
      .createIndex('entities_tenant_name_key_unique')
      .on('entities')
      .columns(['tenant_id', 'name_key'])
      .unique()
      .execute();
  },
};
