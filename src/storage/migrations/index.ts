import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Database } from '../schema.js';
import { entityNameKeyMigration } from './0004-entity-name-key.js';

/**
 * The schema, as Kysely migrations written once for both databases. Times are integers
 * (milliseconds since the epoch, `bigint` on PostgreSQL); JSON is stored as text so both sides read
 * it the same way.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('api_version', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('entities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('locale', 'text', (c) => c.notNull())
        .addColumn('timezone', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('entities_tenant_name_unique', ['tenant_id', 'name'])
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('home_entity_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('users_tenant_username_unique', ['tenant_id', 'username'])
        .execute();

      await db.schema
        .createTable('memberships')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'entity_id'])
        .execute();
      await db.schema.createIndex('memberships_entity_idx').on('memberships').column('entity_id').execute();

      await db.schema
        .createTable('oauth_clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('entity_ids', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('access_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('entity_ids', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('access_tokens_expires_idx')
        .on('access_tokens')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('entity_connections')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('source_entity_id', 'text', (c) => c.notNull())
        .addColumn('target_entity_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // docs/CONTRACT.md §5: at most one Pending or Connected connection per ordered pair. A partial
      // unique index holds it in the database, so two processes racing cannot both insert.
      await db.schema
        .createIndex('entity_connections_open_pair_unique')
        .on('entity_connections')
        .columns(['source_entity_id', 'target_entity_id'])
        .unique()
        .where(sql.ref('status'), 'in', ['Pending', 'Connected'])
        .execute();
      await db.schema
        .createIndex('entity_connections_source_idx')
        .on('entity_connections')
        .columns(['source_entity_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('entity_connections_target_idx')
        .on('entity_connections')
        .columns(['target_entity_id', 'created_at', 'id'])
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('body_hash', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'bigint', (c) => c.notNull())
        .addColumn('response_status', 'integer')
        .addColumn('response_headers', 'text')
        .addColumn('response_body', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['tenant_id', 'client_id', 'key'])
        .execute();
      await db.schema
        .createIndex('idempotency_keys_expires_idx')
        .on('idempotency_keys')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('client_id', 'text')
        .addColumn('entity_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('before', 'text')
        .addColumn('after', 'text')
        .execute();
      await db.schema
        .createIndex('audit_events_tenant_at_idx')
        .on('audit_events')
        .columns(['tenant_id', 'at'])
        .execute();
    },
  },
  // The admin API (docs/ADMIN-API.md, docs/TEST-SUITE.md): the fixture a tenant was created
  // from (for reset), its id seed and counter, its clock; a status for OAuth clients.
  '0002_admin': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('tenants').addColumn('fixture', 'text').execute();
      await db.schema.alterTable('tenants').addColumn('id_seed', 'text').execute();
      await db.schema
        .alterTable('tenants')
        .addColumn('id_counter', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('tenants')
        .addColumn('clock_offset_ms', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('tenants').addColumn('clock_frozen_at', 'bigint').execute();
      await db.schema
        .alterTable('oauth_clients')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('Active'))
        .execute();
      await db.schema
        .createIndex('oauth_clients_tenant_idx')
        .on('oauth_clients')
        .column('tenant_id')
        .execute();
      await db.schema
        .createIndex('access_tokens_tenant_idx')
        .on('access_tokens')
        .column('tenant_id')
        .execute();
      await db.schema
        .createIndex('entity_connections_tenant_idx')
        .on('entity_connections')
        .column('tenant_id')
        .execute();
      await db.schema
        .createIndex('audit_events_resource_idx')
        .on('audit_events')
        .columns(['tenant_id', 'resource_id'])
        .execute();
    },
  },
  // Limits and fault rules (docs/ADMIN-API.md: Zuora's limits, Fault rules). Rate counters are fixed-window
  // rows, one per scope and window start, incremented with an upsert so instances share them.
  '0003_limits_faults': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tenant_limits')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('rate_limit_counters')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_limit_counters_pk', ['scope', 'window_start'])
        .execute();
      await db.schema
        .createIndex('rate_limit_counters_expires_idx')
        .on('rate_limit_counters')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('fault_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('method', 'text')
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('track_id', 'text')
        .addColumn('fault', 'text', (c) => c.notNull())
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('retry_after', 'integer')
        .addColumn('remaining', 'integer')
        .addColumn('rate', 'double precision')
        .addColumn('seed', 'bigint', (c) => c.notNull())
        .addColumn('matched', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('fault_rules_tenant_idx')
        .on('fault_rules')
        .columns(['tenant_id', 'created_at'])
        .execute();
    },
  },
  '0004_entity_name_key': entityNameKeyMigration,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; safe to run on every start and from several processes. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
