import {
  type Compilable,
  type CompiledQuery,
  type ExpressionBuilder,
  type Kysely,
  type QueryResult,
  sql,
} from 'kysely';
import { entityNameKey } from '../domain/entity-rules.js';
import type { Connection, ConnectionStatus } from '../domain/model.js';
import type { BearerRecord, StoreOps } from '../domain/ports/index.js';
import { sha256Hex } from '../domain/secrets.js';
import * as map from './row-mappers.js';
import type { AccessTokensTable, Database } from './schema.js';

/** A row of the bearer join (`findBearer`): the token, its tenant's columns, its user's and client's (null when gone). */
interface BearerRow extends AccessTokensTable {
  tenant_name: string;
  tenant_api_version: string;
  tenant_created_at: number;
  tenant_id_seed: string | null;
  tenant_id_counter: number;
  tenant_clock_offset_ms: number;
  tenant_clock_frozen_at: number | null;
  user_id_found: string | null;
  user_username: string | null;
  user_home_entity_id: string | null;
  user_status: string | null;
  user_created_at: number | null;
  client_id_found: string | null;
  client_tenant_id: string | null;
  client_user_id: string | null;
  client_secret_hash: string | null;
  client_entity_ids: string | null;
  client_created_at: number | null;
  client_status: string | null;
}

/**
 * Two lists each in (createdAt, id) order, merged into one in that order, as SQLite's ORDER BY
 * "created_at", "id" would give them: ids are compared by code unit, which for their ASCII text is
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

/**
 * The tenants columns but `fixture`: the fixture a tenant was created from is JSON of every entity,
 * user and client (292 kB for 512 entities), and only reset reads it.
 */
const TENANT_COLUMNS = ['id', 'name', 'api_version', 'created_at'] as const;
const TENANT_RUNTIME_COLUMNS = ['id', 'id_seed', 'id_counter', 'clock_offset_ms', 'clock_frozen_at'] as const;

/**
 * A query compiled once and run again with other parameters. Building and compiling a query with
 * Kysely costs more than SQLite's running of a small one (about 100 µs against 20 for the bearer
 * join), and a query's text depends only on its shape: compiled with stand-in arguments, each
 * stand-in's position among the parameters tells where the real argument goes.
 */
interface QueryTemplate {
  compiled: CompiledQuery;
  /** For each parameter, the index of the argument it takes, or -1 for a constant of the query. */
  slots: number[];
}

type QueryArgument = string | number | null;

/**
 * Stand-ins no real argument equals: strings with NUL characters, numbers below any limit or id.
 * A null (a nullable column's value) stands in as a string: it is bound as a parameter all the same.
 */
const standIn = (argument: QueryArgument, index: number): QueryArgument =>
  typeof argument === 'number' ? -7_340_033_000 - index : `\u0000argument ${index}\u0000`;

function templateOf(query: Compilable, args: QueryArgument[]): QueryTemplate | null {
  const compiled = query.compile();
  const standIns = args.map(standIn);
  const slots = compiled.parameters.map((parameter) => standIns.indexOf(parameter as QueryArgument));
  // Each argument must be exactly one parameter, never part of the text: else build every time.
  for (let i = 0; i < args.length; i++) {
    if (slots.filter((slot) => slot === i).length !== 1) return null;
    if (compiled.sql.includes(String(standIns[i]))) return null;
  }
  return { compiled, slots };
}

export interface StoreOpsOptions {
  /** Compiled queries by name, kept across the ops of one database and its transactions (one dialect). */
  templates?: Map<string, QueryTemplate | null>;
  /**
   * Read both directions of a connection list as two queries merged here rather than one UNION ALL
   * of two ordered subqueries: SQLite sorts each arm again in a temporary B-tree (about 5x the cost
   * of the two reads at 30 rows), while PostgreSQL merges them in one round trip.
   */
  mergeDirectionsInProcess?: boolean;
  /**
   * PostgreSQL: the lock operations take row and advisory locks. Elsewhere the one connection,
   * running one transaction at a time, is the lock, and they only read.
   */
  locks?: boolean;
}

/** A 64-bit advisory lock id from a name: the first 64 bits of its SHA-256, as PostgreSQL's signed bigint. */
const advisoryLockId = (name: string) =>
  BigInt.asIntN(64, BigInt(`0x${sha256Hex(name).slice(0, 16)}`)).toString();

/**
 * The queries, written once in Kysely's builder for both databases. Each side supplies
 * `translateError`, which turns its driver's unique-violation error into `UniqueViolation`.
 */
export function createStoreOps(
  db: Kysely<Database>,
  translateError: (error: unknown) => unknown,
  { mergeDirectionsInProcess = false, templates = new Map(), locks = false }: StoreOpsOptions = {},
): StoreOps {
  /** Runs the query `build` makes of `args`, compiled once per name (QueryTemplate); answers the driver's result. */
  function execute<Row>(
    name: string,
    build: (...args: never[]) => Compilable<Row>,
    args: QueryArgument[],
  ): Promise<QueryResult<Row>> {
    const make = build as (...args: QueryArgument[]) => Compilable<Row>;
    let template = templates.get(name);
    if (template === undefined) {
      template = templateOf(make(...args.map(standIn)), args);
      templates.set(name, template);
    }
    if (template === null) return db.executeQuery(make(...args));
    const { compiled, slots } = template;
    const parameters = compiled.parameters.map((constant, i) => {
      const slot = slots[i] as number;
      return slot === -1 ? constant : args[slot];
    });
    return db.executeQuery<Row>({ ...compiled, parameters } as CompiledQuery<Row>);
  }

  /** `execute`, answering the rows. */
  async function run<Row>(
    name: string,
    build: (...args: never[]) => Compilable<Row>,
    args: QueryArgument[],
  ): Promise<Row[]> {
    return (await execute(name, build, args)).rows;
  }

  /** How many rows a templated update or delete changed. */
  async function affected(
    name: string,
    build: (...args: never[]) => Compilable<unknown>,
    args: QueryArgument[],
  ): Promise<number> {
    return Number((await write(() => execute(name, build, args))).numAffectedRows ?? 0);
  }

  /**
   * Inserts one row with a statement compiled once per table and column list: the rows the
   * mappers make always have the same columns, in the same order.
   */
  async function insertRow<T extends keyof Database & string>(table: T, row: Database[T]): Promise<void> {
    const columns = Object.keys(row) as (keyof Database[T] & string)[];
    const values = columns.map((column) => row[column] as QueryArgument);
    const build = (...args: QueryArgument[]) =>
      db.insertInto(table).values(Object.fromEntries(columns.map((column, i) => [column, args[i]])) as never);
    await write(() => execute(`insert ${table} (${columns.join(',')})`, build, values));
  }

  async function write<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw translateError(error);
    }
  }

  /** How many rows of one side a page can need: those it skips, those it shows, and one more. */
  const until = (page: { offset: number; limit: number }) =>
    Math.min(page.offset + page.limit + 1, Number.MAX_SAFE_INTEGER);

  /** A membership read through a left join (its role is never null in the table): undefined when none. */
  const joinedMembership = (
    userId: string,
    entityId: string,
    row: { member_role: string | null; member_status: string | null; member_updated_at: number | null },
  ) =>
    row.member_role === null
      ? undefined
      : map.toMembership({
          user_id: userId,
          entity_id: entityId,
          role: row.member_role,
          status: row.member_status as string,
          updated_at: row.member_updated_at as number,
        });

  /** The row of the bearer join (`findBearer`) as the records it holds. */
  function bearerRecord(row: BearerRow): BearerRecord {
    const tenantRow = {
      id: row.tenant_id,
      name: row.tenant_name,
      api_version: row.tenant_api_version,
      created_at: row.tenant_created_at,
      id_seed: row.tenant_id_seed,
      id_counter: row.tenant_id_counter,
      clock_offset_ms: row.tenant_clock_offset_ms,
      clock_frozen_at: row.tenant_clock_frozen_at,
    };
    return {
      token: map.toToken(row),
      tenant: map.toTenant(tenantRow),
      tenantState: map.toTenantRuntime(tenantRow),
      user:
        row.user_id_found === null
          ? undefined
          : map.toUser({
              id: row.user_id_found,
              tenant_id: row.tenant_id,
              username: row.user_username as string,
              home_entity_id: row.user_home_entity_id as string,
              status: row.user_status as string,
              created_at: row.user_created_at as number,
            }),
      client:
        row.client_id_found === null
          ? undefined
          : map.toClient({
              client_id: row.client_id_found,
              tenant_id: row.client_tenant_id as string,
              user_id: row.client_user_id as string,
              secret_hash: row.client_secret_hash as string,
              entity_ids: row.client_entity_ids as string,
              created_at: row.client_created_at as number,
              status: row.client_status as string,
            }),
    };
  }

  // Expiry of these tenants' tokens and keys is judged by their own clock when used; the sweep,
  // which knows only the server's time, leaves them until the tenant is reset or deleted.
  const tenantsWithMovedClocks = () =>
    db
      .selectFrom('tenants')
      .select('id')
      .where((eb) => eb.or([eb('clock_offset_ms', '!=', 0), eb('clock_frozen_at', 'is not', null)]));

  const tenantOverviews = () =>
    db
      .selectFrom('tenants')
      .select([...TENANT_COLUMNS, 'id_seed', 'id_counter', 'clock_offset_ms', 'clock_frozen_at'])
      .select((eb) => eb('fixture', 'is not', null).as('resettable'));

  const ops: StoreOps = {
    // A store overrides this with a new transaction; in a transaction's ops it joins that one.
    transaction: (fn) => fn(ops),
    // Tenants
    insertTenant: (tenant) =>
      write(() => db.insertInto('tenants').values(map.fromTenant(tenant)).execute()).then(() => {}),
    async findTenant(id) {
      const row = await db
        .selectFrom('tenants')
        .select(TENANT_COLUMNS)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && map.toTenant(row);
    },
    async lockTenant(id, scope) {
      const query = db.selectFrom('tenants').select('id').where('id', '=', id);
      const locked = !locks ? query : scope === 'all' ? query.forUpdate() : query.forNoKeyUpdate();
      return (await locked.executeTakeFirst()) !== undefined;
    },
    async lockTenantCreation(id) {
      if (!locks) return;
      // Namespaced, so that it never shares an id with an Idempotency-Key's lock.
      await sql`select pg_advisory_xact_lock(${advisoryLockId(`tenant creation\0${id}`)}::bigint)`.execute(
        db,
      );
    },
    async findTenantState(id) {
      const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      return row && map.toTenantState(row);
    },
    async findTenantRuntime(id) {
      const [row] = await run(
        'findTenantRuntime',
        (tenant: string) => db.selectFrom('tenants').select(TENANT_RUNTIME_COLUMNS).where('id', '=', tenant),
        [id],
      );
      return row && map.toTenantRuntime(row);
    },
    async updateTenantState(id, patch) {
      const values: Partial<Database['tenants']> = {};
      if (patch.fixture !== undefined) values.fixture = patch.fixture;
      if (patch.idSeed !== undefined) values.id_seed = patch.idSeed;
      if (patch.idCounter !== undefined) values.id_counter = patch.idCounter;
      if (patch.clock !== undefined) {
        values.clock_offset_ms = patch.clock.offsetMs;
        values.clock_frozen_at = patch.clock.frozenAt;
      }
      if (Object.keys(values).length === 0) return;
      await db.updateTable('tenants').set(values).where('id', '=', id).execute();
    },
    async nextIdSequence(id) {
      await db
        .updateTable('tenants')
        .set((eb) => ({ id_counter: eb('id_counter', '+', 1) }))
        .where('id', '=', id)
        .execute();
      const row = await db
        .selectFrom('tenants')
        .select('id_counter')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return Number(row.id_counter);
    },
    async deleteTenantData(id, { keepTenant }) {
      // Children first, so this holds without relying on ON DELETE CASCADE.
      const users = db.selectFrom('users').select('id').where('tenant_id', '=', id);
      await db.deleteFrom('idempotency_keys').where('tenant_id', '=', id).execute();
      await db.deleteFrom('access_tokens').where('tenant_id', '=', id).execute();
      await db.deleteFrom('entity_connections').where('tenant_id', '=', id).execute();
      await db.deleteFrom('oauth_clients').where('tenant_id', '=', id).execute();
      await db.deleteFrom('memberships').where('user_id', 'in', users).execute();
      await db.deleteFrom('users').where('tenant_id', '=', id).execute();
      await db.deleteFrom('entities').where('tenant_id', '=', id).execute();
      await db.deleteFrom('audit_events').where('tenant_id', '=', id).execute();
      await db.deleteFrom('fault_rules').where('tenant_id', '=', id).execute();
      await db.deleteFrom('tenant_limits').where('tenant_id', '=', id).execute();
      if (!keepTenant) await db.deleteFrom('tenants').where('id', '=', id).execute();
    },
    async listTenants() {
      const rows = await db
        .selectFrom('tenants')
        .select(TENANT_COLUMNS)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(map.toTenant);
    },
    async findTenantOverview(id) {
      const row = await tenantOverviews().where('id', '=', id).executeTakeFirst();
      return row && map.toTenantOverview(row);
    },
    async listTenantOverviews() {
      const rows = await tenantOverviews().orderBy('created_at').orderBy('id').execute();
      return rows.map(map.toTenantOverview);
    },

    // Entities
    insertEntity: (entity) =>
      write(() => db.insertInto('entities').values(map.fromEntity(entity)).execute()).then(() => {}),
    async findEntity(tenantId, id) {
      const [row] = await run(
        'findEntity',
        (tenant: string, entity: string) =>
          db.selectFrom('entities').selectAll().where('tenant_id', '=', tenant).where('id', '=', entity),
        [tenantId, id],
      );
      return row && map.toEntity(row);
    },
    async findEntities(tenantId, entityIds) {
      if (entityIds.length === 0) return [];
      const rows = await db
        .selectFrom('entities')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', [...entityIds])
        .execute();
      return rows.map(map.toEntity);
    },
    async lockEntities(tenantId, entityIds) {
      if (entityIds.length === 0) return [];
      const query = db
        .selectFrom('entities')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', [...entityIds]);
      return (await (locks ? query.forKeyShare() : query).execute()).map(map.toEntity);
    },
    async findEntityByName(tenantId, name) {
      const row = await db
        .selectFrom('entities')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('name_key', '=', entityNameKey(name))
        .executeTakeFirst();
      return row && map.toEntity(row);
    },
    async listEntities(tenantId, filter) {
      const list = (tenant: string, ...status: string[]) => {
        let query = db.selectFrom('entities').selectAll().where('tenant_id', '=', tenant);
        if (status[0] !== undefined) query = query.where('status', '=', status[0]);
        return query.orderBy('created_at').orderBy('id');
      };
      const rows =
        filter?.provisioned === undefined
          ? await run('listEntities', list, [tenantId])
          : await run('listEntities by status', list, [
              tenantId,
              filter.provisioned ? 'Provisioned' : 'Unprovisioned',
            ]);
      return rows.map(map.toEntity);
    },
    async updateEntity(tenantId, id, patch) {
      const values: Partial<Database['entities']> = {};
      if (patch.name !== undefined) {
        values.name = patch.name;
        values.name_key = entityNameKey(patch.name);
      }
      if (patch.displayName !== undefined) values.display_name = patch.displayName;
      if (patch.locale !== undefined) values.locale = patch.locale;
      if (patch.timezone !== undefined) values.timezone = patch.timezone;
      if (patch.status !== undefined) values.status = patch.status;
      if (Object.keys(values).length === 0) return;
      await write(() =>
        db
          .updateTable('entities')
          .set(values)
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .execute(),
      );
    },
    async deleteEntities(tenantId, ids) {
      if (ids.length === 0) return;
      await db.deleteFrom('entities').where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
    },

    // Users and memberships
    insertUser: (user) =>
      write(() => db.insertInto('users').values(map.fromUser(user)).execute()).then(() => {}),
    async findUser(tenantId, id) {
      const [row] = await run(
        'findUser',
        (tenant: string, user: string) =>
          db.selectFrom('users').selectAll().where('tenant_id', '=', tenant).where('id', '=', user),
        [tenantId, id],
      );
      return row && map.toUser(row);
    },
    async findUserByUsername(tenantId, username) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('username', '=', username)
        .executeTakeFirst();
      return row && map.toUser(row);
    },
    async listUsers(tenantId) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(map.toUser);
    },
    // Never called (storage/{sqlite,postgres}/access.ts serve it): here so that these ops type as StoreOps.
    listUsersWithMemberships: () =>
      Promise.reject(new Error('listUsersWithMemberships is not in the legacy ops')),
    async setUserStatus(tenantId, id, status) {
      await db
        .updateTable('users')
        .set({ status })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
    },
    async upsertMembership(membership) {
      const row = map.fromMembership(membership);
      await db
        .insertInto('memberships')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['user_id', 'entity_id']).doUpdateSet({
            role: row.role,
            status: row.status,
            updated_at: row.updated_at,
          }),
        )
        .execute();
    },
    async listMemberships(userId) {
      // Ordered, so that SQLite and PostgreSQL (whose updates move rows) answer alike.
      const rows = await run(
        'listMemberships',
        (user: string) =>
          db.selectFrom('memberships').selectAll().where('user_id', '=', user).orderBy('entity_id'),
        [userId],
      );
      return rows.map(map.toMembership);
    },
    async findEntityAccess(tenantId, entityId, userId) {
      const [row] = await run(
        'findEntityAccess',
        (tenant: string, entity: string, user: string) =>
          db
            .selectFrom('entities as e')
            .leftJoin('memberships as m', (join) =>
              join.onRef('m.entity_id', '=', 'e.id').on('m.user_id', '=', user),
            )
            .selectAll('e')
            .select([
              'm.user_id as member_user_id',
              'm.role as member_role',
              'm.status as member_status',
              'm.updated_at as member_updated_at',
            ])
            .where('e.tenant_id', '=', tenant)
            .where('e.id', '=', entity),
        [tenantId, entityId, userId],
      );
      if (!row) return undefined;
      return {
        entity: map.toEntity(row),
        membership: joinedMembership(userId, row.id, row),
      };
    },
    async findMembership(userId, entityId) {
      const [row] = await run(
        'findMembership',
        (user: string, entity: string) =>
          db
            .selectFrom('memberships')
            .selectAll()
            .where('user_id', '=', user)
            .where('entity_id', '=', entity),
        [userId, entityId],
      );
      return row && map.toMembership(row);
    },
    async lockMembership(userId, entityId) {
      const query = db
        .selectFrom('memberships')
        .selectAll()
        .where('user_id', '=', userId)
        .where('entity_id', '=', entityId);
      const row = await (locks ? query.forUpdate() : query).executeTakeFirst();
      return row && map.toMembership(row);
    },
    async setMembershipIf(membership, expected) {
      const row = map.fromMembership(membership);
      if (expected === null) {
        // Of two racing first requests for the same pair, the second inserts nothing.
        const result = await db
          .insertInto('memberships')
          .values(row)
          .onConflict((oc) => oc.columns(['user_id', 'entity_id']).doNothing())
          .executeTakeFirst();
        return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
      }
      const result = await db
        .updateTable('memberships')
        .set({ role: row.role, status: row.status, updated_at: row.updated_at })
        .where('user_id', '=', row.user_id)
        .where('entity_id', '=', row.entity_id)
        .where('status', '=', expected)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async deleteMembershipsInEntities(entityIds) {
      if (entityIds.length === 0) return [];
      // Select, then delete: RETURNING is not in every SQL dialect Kysely speaks.
      const rows = await db
        .selectFrom('memberships')
        .selectAll()
        .where('entity_id', 'in', entityIds)
        .orderBy('user_id')
        .orderBy('entity_id')
        .execute();
      await db.deleteFrom('memberships').where('entity_id', 'in', entityIds).execute();
      return rows.map(map.toMembership);
    },

    // OAuth clients and tokens
    insertClient: (client) =>
      write(() => db.insertInto('oauth_clients').values(map.fromClient(client)).execute()).then(() => {}),
    async findClient(clientId) {
      const [row] = await run(
        'findClient',
        (client: string) => db.selectFrom('oauth_clients').selectAll().where('client_id', '=', client),
        [clientId],
      );
      return row && map.toClient(row);
    },
    async listClients(tenantId) {
      const rows = await db
        .selectFrom('oauth_clients')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .orderBy('client_id')
        .execute();
      return rows.map(map.toClient);
    },
    async setClientStatus(clientId, status) {
      await db.updateTable('oauth_clients').set({ status }).where('client_id', '=', clientId).execute();
    },
    async setClientEntities(clientId, entityIds) {
      await db
        .updateTable('oauth_clients')
        .set({ entity_ids: JSON.stringify(entityIds) })
        .where('client_id', '=', clientId)
        .execute();
    },
    insertToken: (token) => insertRow('access_tokens', map.fromToken(token)),
    async findBearer(tokenHash, entityId) {
      // One statement instead of four: authenticating every request read these rows one by one.
      const bearerQuery = (hash: string) =>
        db
          .selectFrom('access_tokens as t')
          .innerJoin('tenants as n', 'n.id', 't.tenant_id')
          .leftJoin('users as u', (join) =>
            join.onRef('u.id', '=', 't.user_id').onRef('u.tenant_id', '=', 't.tenant_id'),
          )
          .leftJoin('oauth_clients as c', 'c.client_id', 't.client_id')
          .selectAll('t')
          .select([
            'n.name as tenant_name',
            'n.api_version as tenant_api_version',
            'n.created_at as tenant_created_at',
            'n.id_seed as tenant_id_seed',
            'n.id_counter as tenant_id_counter',
            'n.clock_offset_ms as tenant_clock_offset_ms',
            'n.clock_frozen_at as tenant_clock_frozen_at',
            'u.id as user_id_found',
            'u.username as user_username',
            'u.home_entity_id as user_home_entity_id',
            'u.status as user_status',
            'u.created_at as user_created_at',
            'c.client_id as client_id_found',
            'c.tenant_id as client_tenant_id',
            'c.user_id as client_user_id',
            'c.secret_hash as client_secret_hash',
            'c.entity_ids as client_entity_ids',
            'c.created_at as client_created_at',
            'c.status as client_status',
          ])
          .where('t.token_hash', '=', hash);
      // With the entity the request names, that entity and the user's membership in it as well.
      const withEntityQuery = (hash: string, entity: string) =>
        bearerQuery(hash)
          .leftJoin('entities as e', (join) =>
            join.onRef('e.tenant_id', '=', 't.tenant_id').on('e.id', '=', entity),
          )
          .leftJoin('memberships as m', (join) =>
            join.onRef('m.entity_id', '=', 'e.id').onRef('m.user_id', '=', 't.user_id'),
          )
          .select([
            'e.id as entity_id_found',
            'e.name as entity_name',
            'e.display_name as entity_display_name',
            'e.locale as entity_locale',
            'e.timezone as entity_timezone',
            'e.status as entity_status',
            'e.parent_id as entity_parent_id',
            'e.created_at as entity_created_at',
            'm.role as member_role',
            'm.status as member_status',
            'm.updated_at as member_updated_at',
          ]);
      if (entityId !== undefined) {
        const [row] = await run('findBearer with entity', withEntityQuery, [tokenHash, entityId]);
        if (!row) return undefined;
        const found = bearerRecord(row);
        if (row.entity_id_found === null) return { ...found, entityAccess: null };
        const entity = map.toEntity({
          id: row.entity_id_found,
          tenant_id: row.tenant_id,
          name: row.entity_name as string,
          display_name: row.entity_display_name as string,
          locale: row.entity_locale as string,
          timezone: row.entity_timezone as string,
          status: row.entity_status as string,
          parent_id: row.entity_parent_id,
          created_at: row.entity_created_at as number,
        });
        return {
          ...found,
          entityAccess: { entity, membership: joinedMembership(row.user_id, entity.id, row) },
        };
      }
      const [row] = await run('findBearer', bearerQuery, [tokenHash]);
      return row && bearerRecord(row);
    },
    async deleteExpiredTokens(now) {
      const result = await db
        .deleteFrom('access_tokens')
        .where('expires_at', '<=', now)
        .where('tenant_id', 'not in', tenantsWithMovedClocks())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    // Entity connections
    insertConnection: (connection) => insertRow('entity_connections', map.fromConnection(connection)),
    async insertConnections(connections) {
      // 7 columns a row: 1,000 rows stay under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
      for (let i = 0; i < connections.length; i += 1000) {
        const rows = connections.slice(i, i + 1000).map(map.fromConnection);
        await write(() => db.insertInto('entity_connections').values(rows).execute());
      }
    },
    async findConnection(tenantId, id) {
      const row = await db
        .selectFrom('entity_connections')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && map.toConnection(row);
    },
    async lockConnection(tenantId, id) {
      const query = db
        .selectFrom('entity_connections')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id);
      const row = await (locks ? query.forUpdate() : query).executeTakeFirst();
      return row && map.toConnection(row);
    },
    async findOpenConnection(tenantId, sourceEntityId, targetEntityId) {
      const row = await db
        .selectFrom('entity_connections')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('source_entity_id', '=', sourceEntityId)
        .where('target_entity_id', '=', targetEntityId)
        // Literals, not parameters: only with the statuses in the SQL text can the planner see that
        // the partial index entity_connections_open_pair_unique covers the query. With parameters
        // SQLite scanned every connection of the tenant (0.5 ms at a few thousand, and growing).
        .where('status', 'in', [sql.lit('Pending'), sql.lit('Connected')])
        .executeTakeFirst();
      return row && map.toConnection(row);
    },
    async listConnections(tenantId, entityId, direction, page) {
      const side = (column: 'source_entity_id' | 'target_entity_id') =>
        db
          .selectFrom('entity_connections')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where(column, '=', entityId)
          .orderBy('created_at')
          .orderBy('id');
      // One row more than the page tells whether a next page exists without a COUNT.
      if (direction === 'both' && mergeDirectionsInProcess) {
        const read = (column: 'source_entity_id' | 'target_entity_id') =>
          run(
            `listConnections ${column}`,
            (tenant: string, entity: string, limit: number) =>
              db
                .selectFrom('entity_connections')
                .selectAll()
                .where('tenant_id', '=', tenant)
                .where(column, '=', entity)
                .orderBy('created_at')
                .orderBy('id')
                .limit(limit),
            [tenantId, entityId, until(page)],
          );
        const outbound = await read('source_entity_id');
        const inbound = await read('target_entity_id');
        const merged = mergeByCreation(outbound.map(map.toConnection), inbound.map(map.toConnection));
        const end = Math.min(page.offset + page.limit + 1, merged.length);
        const rows = merged.slice(Math.min(page.offset, end), end);
        return { connections: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
      }
      const rows =
        direction === 'both'
          ? // Both directions as two index-ordered reads of at most offset + limit + 1 rows each,
            // merged: with an OR across the two columns SQLite read and sorted every connection of
            // the tenant (157 ms a page at 261,632 connections; 0.3 ms this way). No connection
            // joins an entity to itself, so no row is in both halves.
            await db
              .selectFrom(side('source_entity_id').limit(until(page)).as('outbound'))
              .selectAll()
              .unionAll(db.selectFrom(side('target_entity_id').limit(until(page)).as('inbound')).selectAll())
              .orderBy('created_at')
              .orderBy('id')
              .limit(page.limit + 1)
              .offset(page.offset)
              .execute()
          : await side(direction === 'outbound' ? 'source_entity_id' : 'target_entity_id')
              .limit(page.limit + 1)
              .offset(page.offset)
              .execute();
      return {
        connections: rows.slice(0, page.limit).map(map.toConnection),
        hasMore: rows.length > page.limit,
      };
    },
    async updateConnectionStatus(tenantId, id, status, now) {
      await affected(
        'updateConnectionStatus',
        (to: ConnectionStatus, at: number, tenant: string, connection: string) =>
          db
            .updateTable('entity_connections')
            .set({ status: to, updated_at: at })
            .where('tenant_id', '=', tenant)
            .where('id', '=', connection),
        [status, now, tenantId, id],
      );
    },
    async deleteConnection(tenantId, id) {
      await db
        .deleteFrom('entity_connections')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
    },
    async deleteConnectionsOfEntities(tenantId, entityIds) {
      if (entityIds.length === 0) return [];
      const touching = (eb: ExpressionBuilder<Database, 'entity_connections'>) =>
        eb.or([eb('source_entity_id', 'in', entityIds), eb('target_entity_id', 'in', entityIds)]);
      const rows = await db
        .selectFrom('entity_connections')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where(touching)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      await db.deleteFrom('entity_connections').where('tenant_id', '=', tenantId).where(touching).execute();
      return rows.map(map.toConnection);
    },

    // Idempotency keys
    insertIdempotencyClaim: (record) => insertRow('idempotency_keys', map.fromIdempotencyRecord(record)),
    async lockIdempotencyKey(tenantId, clientId, key) {
      if (!locks) return true;
      // 64 bits of the key's SHA-256: a collision costs a needless 409, which the client retries.
      const id = advisoryLockId(`${tenantId}\0${clientId}\0${key}`);
      const { rows } = await sql<{
        locked: boolean;
      }>`select pg_try_advisory_xact_lock(${id}::bigint) as locked`.execute(db);
      return rows[0]?.locked === true;
    },
    async findIdempotencyRecord(tenantId, clientId, key) {
      const [row] = await run(
        'findIdempotencyRecord',
        (tenant: string, client: string, name: string) =>
          db
            .selectFrom('idempotency_keys')
            .selectAll()
            .where('tenant_id', '=', tenant)
            .where('client_id', '=', client)
            .where('key', '=', name),
        [tenantId, clientId, key],
      );
      return row && map.toIdempotencyRecord(row);
    },
    async replaceIdempotencyClaim(previous, next) {
      const row = map.fromIdempotencyRecord(next);
      // Compare-and-set on (state, locked_until, created_at): of two processes reclaiming the same
      // abandoned or expired key, exactly one sees its update applied.
      const result = await db
        .updateTable('idempotency_keys')
        .set({
          method: row.method,
          url: row.url,
          body_hash: row.body_hash,
          state: row.state,
          locked_until: row.locked_until,
          response_status: null,
          response_headers: null,
          response_body: null,
          created_at: row.created_at,
          expires_at: row.expires_at,
        })
        .where('tenant_id', '=', previous.tenantId)
        .where('client_id', '=', previous.clientId)
        .where('key', '=', previous.key)
        .where('state', '=', previous.state)
        .where('locked_until', '=', previous.lockedUntil)
        .where('created_at', '=', previous.createdAt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async completeIdempotencyKey(tenantId, clientId, key, claimedAt, response) {
      const updated = await affected(
        'completeIdempotencyKey',
        (
          status: number,
          headers: string,
          body: string,
          tenant: string,
          client: string,
          name: string,
          at: number,
        ) =>
          db
            .updateTable('idempotency_keys')
            .set({ state: 'done', response_status: status, response_headers: headers, response_body: body })
            .where('tenant_id', '=', tenant)
            .where('client_id', '=', client)
            .where('key', '=', name)
            .where('state', '=', 'running')
            .where('created_at', '=', at),
        [
          response.status,
          JSON.stringify(response.headers),
          response.body,
          tenantId,
          clientId,
          key,
          claimedAt,
        ],
      );
      return updated === 1;
    },
    async deleteExpiredIdempotencyKeys(now) {
      const result = await db
        .deleteFrom('idempotency_keys')
        .where('expires_at', '<=', now)
        .where('tenant_id', 'not in', tenantsWithMovedClocks())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    // Audit trail
    insertAuditEvent: (event) => insertRow('audit_events', map.fromAuditEvent(event)),
    async listAuditEvents(tenantId, filter) {
      let query = db.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId);
      if (filter?.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId);
      if (filter?.action !== undefined) query = query.where('action', '=', filter.action);
      const rows = await query
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter?.limit ?? 100)
        .execute();
      return rows.map(map.toAuditEvent);
    },

    // Limits
    async findTenantLimits(tenantId) {
      const row = await db
        .selectFrom('tenant_limits')
        .select('settings')
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      return row && JSON.parse(row.settings);
    },
    async setTenantLimits(tenantId, settings, now) {
      const json = JSON.stringify(settings);
      await db
        .insertInto('tenant_limits')
        .values({ tenant_id: tenantId, settings: json, updated_at: now })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ settings: json, updated_at: now }))
        .execute();
    },
    async incrementRateCounters(counters) {
      if (counters.length === 0) return [];
      // One upsert for all windows: one round trip, and each row's increment is atomic on both
      // databases, so instances sharing the database share the count.
      const rows = await db
        .insertInto('rate_limit_counters')
        .values(
          counters.map((c) => ({
            scope: c.scope,
            window_start: c.windowStart,
            hits: 1,
            expires_at: c.expiresAt,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['scope', 'window_start'])
            .doUpdateSet((eb) => ({ hits: eb('rate_limit_counters.hits', '+', 1) })),
        )
        .returning(['scope', 'window_start', 'hits'])
        .execute();
      return counters.map((c) => {
        const row = rows.find((r) => r.scope === c.scope && Number(r.window_start) === c.windowStart);
        return Number(row?.hits ?? 0);
      });
    },
    async deleteExpiredRateCounters(now) {
      const result = await db
        .deleteFrom('rate_limit_counters')
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    // Fault rules
    async insertFaultRule(rule) {
      await db.insertInto('fault_rules').values(map.fromFaultRule(rule)).execute();
    },
    async listFaultRules(tenantId) {
      const rows = await db
        .selectFrom('fault_rules')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(map.toFaultRule);
    },
    async deleteFaultRule(tenantId, id) {
      const result = await db
        .deleteFrom('fault_rules')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async deleteFaultRules(tenantId) {
      const result = await db.deleteFrom('fault_rules').where('tenant_id', '=', tenantId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async countFaultRuleMatch(id) {
      const row = await db
        .updateTable('fault_rules')
        .set((eb) => ({ matched: eb('matched', '+', 1) }))
        .where('id', '=', id)
        .returning('matched')
        .executeTakeFirst();
      return row && Number(row.matched);
    },
    async consumeFaultRule(id) {
      // The guard and the decrement in one statement: of racing requests, exactly `remaining` win.
      const result = await db
        .updateTable('fault_rules')
        .set((eb) => ({ remaining: eb('remaining', '-', 1) }))
        .where('id', '=', id)
        .where('remaining', '>', 0)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
  return ops;
}
