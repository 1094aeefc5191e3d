// The thin comparator of `npm run bench` (issue 16): a server that does exactly the statements each
// load scenario needs, with the driver directly (better-sqlite3 prepared statements; pg statements
// named, so prepared once per connection) and Fastify with response schemas, and nothing else: no
// query builder, no hook but the request id, no logging, no limits, faults, journal or metrics.
// It reads and writes the database multientity made (same schema, seeded by bench/setup.ts), so both
// answer the same data; test/bench/comparator.test.ts checks that they answer alike.
//
// It is the design limit the benchmark divides by, not a second implementation: it serves only the
// scenarios' routes and their success paths. Where a scenario's request fails a check, it answers
// an error status with a bare envelope, and it stores no error response under an Idempotency-Key.
// It takes the tenant's clock (offset, frozen) as multientity does, and random ids always (the
// benchmark's tenants have no id seed).
import { randomBytes, randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import SqliteDatabase from 'better-sqlite3';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pg from 'pg';
import { ListEntitiesResponse } from '../src/contract/entities.js';
import {
  CreateEntityConnectionRequest,
  CreateEntityConnectionResponse,
  ListEntityConnectionsQuery,
  ListEntityConnectionsResponse,
} from '../src/contract/entity-connections.js';
import { TokenResponse } from '../src/contract/oauth.js';
import { requestFingerprint } from '../src/domain/idempotency.js';
import { hexToUuid, parseEntityId } from '../src/domain/ids.js';
import { sha256Hex, verifySecret } from '../src/domain/secrets.js';

const TOKEN_TTL_MS = 3_600_000;
const KEY_TTL_MS = 86_400_000;
const KEY_LEASE_MS = 30_000;
const STORED_HEADERS = JSON.stringify({ 'content-type': 'application/json; charset=utf-8' });

/** 32 hex characters of randomness, drawn 4 kB at a time (multientity's ids do the same). */
const hex32 = (() => {
  let pool = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 16 > pool.length) {
      pool = randomBytes(4096);
      at = 0;
    }
    at += 16;
    return pool.toString('hex', at - 16, at);
  };
})();

/** The tenant's time: its frozen instant, or the machine's clock moved by its offset. */
const tenantNow = (offset: number | string, frozen: number | string | null) =>
  frozen === null ? Date.now() + Number(offset) : Number(frozen);

/** The bearer join: the token, its tenant's clock, user and client, the named entity and membership. */
interface BearerRow {
  tenant_id: string;
  client_id: string;
  user_id: string;
  entity_ids: string;
  expires_at: number | string;
  clock_offset_ms: number | string;
  clock_frozen_at: number | string | null;
  user_status: string | null;
  home_entity_id: string | null;
  client_status: string | null;
  entity_found: string | null;
  member_role: string | null;
  member_status: string | null;
  api_version: string;
}

interface Actor {
  tenantId: string;
  clientId: string;
  userId: string;
  homeEntityId: string;
  entityId: string;
  admin: boolean;
  now: number;
  apiVersion: string;
}

interface KeyRow {
  method: string;
  url: string;
  body_hash: string;
  state: string;
  expires_at: number | string;
  response_status: number | null;
  response_headers: string | null;
  response_body: string | null;
}

interface ClientRow {
  tenant_id: string;
  user_id: string;
  secret_hash: string;
  entity_ids: string;
  client_status: string;
  user_status: string;
  home_entity_id: string;
  clock_offset_ms: number | string;
  clock_frozen_at: number | string | null;
}

interface ConnectionRow {
  id: string;
  source_entity_id: string;
  target_entity_id: string;
  status: string;
}

interface NewConnection {
  id: string;
  tenantId: string;
  sourceEntityId: string;
  targetEntityId: string;
  createdAt: number;
  auditId: string;
  clientId: string;
  userId: string;
  homeEntityId: string;
  key: { name: string; url: string; bodyHash: string; body: string } | null;
}

/** What each database does: one method per statement (or transaction) a scenario needs. */
interface Statements {
  bearer(tokenHash: string, entityId: string): Promise<BearerRow | undefined>;
  listConnections(
    tenantId: string,
    entityId: string,
    limit: number,
    offset: number,
  ): Promise<ConnectionRow[]>;
  listEntities(tenantId: string): Promise<Record<string, unknown>[]>;
  findKey(tenantId: string, clientId: string, key: string): Promise<KeyRow | undefined>;
  /** Target check, open-pair check, insert, audit event, the key's response: one transaction. */
  createConnection(c: NewConnection): Promise<'created' | 'target' | 'exists' | 'key'>;
  client(clientId: string): Promise<ClientRow | undefined>;
  /** Of `entityIds`, those provisioned and accessible to the user, in any order. */
  scope(tenantId: string, userId: string, homeEntityId: string, entityIds: string[]): Promise<string[]>;
  insertToken(row: {
    tokenHash: string;
    jti: string;
    tenantId: string;
    clientId: string;
    userId: string;
    entityIds: string;
    now: number;
  }): Promise<void>;
  close(): Promise<void>;
}

const BEARER_COLUMNS = `t.tenant_id, t.client_id, t.user_id, t.entity_ids, t.expires_at,
  n.clock_offset_ms, n.clock_frozen_at, u.status as user_status, u.home_entity_id,
  c.status as client_status, e.id as entity_found, m.role as member_role, m.status as member_status,
  n.api_version`;

const auditAfter = (c: NewConnection) =>
  JSON.stringify({
    id: c.id,
    tenantId: c.tenantId,
    sourceEntityId: c.sourceEntityId,
    targetEntityId: c.targetEntityId,
    status: 'Pending',
    createdAt: c.createdAt,
    updatedAt: c.createdAt,
  });

function sqliteStatements(path: string): Statements {
  const db = new SqliteDatabase(path, { fileMustExist: true });
  // multientity's own settings (storage/sqlite/sqlite-store.ts), foreign keys checked included.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const bearer = db.prepare<[string, string], BearerRow>(
    `select ${BEARER_COLUMNS}
     from access_tokens t
     join tenants n on n.id = t.tenant_id
     left join users u on u.id = t.user_id and u.tenant_id = t.tenant_id
     left join oauth_clients c on c.client_id = t.client_id
     left join entities e on e.tenant_id = t.tenant_id and e.id = ?
     left join memberships m on m.entity_id = e.id and m.user_id = t.user_id
     where t.token_hash = ?`,
  );
  // Both directions, each through its own index, at most limit + offset rows each, then merged.
  const side = (column: string) =>
    `select * from (select id, source_entity_id, target_entity_id, status, created_at
       from entity_connections where tenant_id = @tenant and ${column} = @entity
       order by created_at, id limit @until)`;
  const connections = db.prepare<object, ConnectionRow>(
    `select id, source_entity_id, target_entity_id, status from (
       ${side('source_entity_id')} union all ${side('target_entity_id')})
     order by created_at, id limit @limit offset @offset`,
  );
  const entities = db.prepare<[string], Record<string, unknown>>(
    `select id, name, display_name as displayName, locale, timezone, status, parent_id as parentId,
       tenant_id as tenantId
     from entities where tenant_id = ? order by created_at, id`,
  );
  const findKey = db.prepare<[string, string, string], KeyRow>(
    `select method, url, body_hash, state, expires_at, response_status, response_headers, response_body
     from idempotency_keys where tenant_id = ? and client_id = ? and key = ?`,
  );
  const target = db.prepare<[string, string, string], { status: string; member_status: string | null }>(
    `select e.status, m.status as member_status from entities e
     left join memberships m on m.entity_id = e.id and m.user_id = ?
     where e.tenant_id = ? and e.id = ?`,
  );
  const openPair = db
    .prepare<[string, string, string], number>(
      `select 1 from entity_connections where tenant_id = ? and source_entity_id = ?
       and target_entity_id = ? and status in ('Pending', 'Connected')`,
    )
    .pluck();
  const insertConnection = db.prepare(
    `insert into entity_connections (id, tenant_id, source_entity_id, target_entity_id, status, created_at, updated_at)
     values (?, ?, ?, ?, 'Pending', ?, ?)`,
  );
  const insertAudit = db.prepare(
    `insert into audit_events (id, tenant_id, at, user_id, client_id, entity_id, action, resource_type, resource_id, before, after)
     values (?, ?, ?, ?, ?, ?, 'connection.request', 'connection', ?, null, ?)`,
  );
  const insertKey = db.prepare(
    `insert into idempotency_keys (tenant_id, client_id, key, method, url, body_hash, state, locked_until,
       response_status, response_headers, response_body, created_at, expires_at)
     values (?, ?, ?, 'POST', ?, ?, 'done', ?, 200, ?, ?, ?, ?)`,
  );
  const create = db.transaction((c: NewConnection): 'created' | 'target' | 'exists' => {
    const found = target.get(c.userId, c.tenantId, c.targetEntityId);
    const accessible = c.homeEntityId === c.targetEntityId || found?.member_status === 'Active';
    if (found?.status !== 'Provisioned' || !accessible || c.targetEntityId === c.sourceEntityId)
      return 'target';
    if (openPair.get(c.tenantId, c.sourceEntityId, c.targetEntityId) !== undefined) return 'exists';
    const now = c.createdAt;
    insertConnection.run(c.id, c.tenantId, c.sourceEntityId, c.targetEntityId, now, now);
    insertAudit.run(c.auditId, c.tenantId, now, c.userId, c.clientId, c.sourceEntityId, c.id, auditAfter(c));
    if (c.key) {
      const k = c.key;
      insertKey.run(
        ...[c.tenantId, c.clientId, k.name, k.url, k.bodyHash, now + KEY_LEASE_MS, STORED_HEADERS, k.body],
        ...[now, now + KEY_TTL_MS],
      );
    }
    return 'created';
  });
  const client = db.prepare<[string], ClientRow>(
    `select c.tenant_id, c.user_id, c.secret_hash, c.entity_ids, c.status as client_status,
       u.status as user_status, u.home_entity_id, n.clock_offset_ms, n.clock_frozen_at
     from oauth_clients c
     join users u on u.id = c.user_id and u.tenant_id = c.tenant_id
     join tenants n on n.id = c.tenant_id
     where c.client_id = ?`,
  );
  const scope = db
    .prepare<[string, string, string, string], string>(
      `select e.id from entities e
       left join memberships m on m.entity_id = e.id and m.user_id = ?
       where e.tenant_id = ? and e.status = 'Provisioned' and e.id in (select value from json_each(?))
         and (e.id = ? or m.status = 'Active')`,
    )
    .pluck();
  const insertToken = db.prepare(
    `insert into access_tokens (token_hash, jti, tenant_id, client_id, user_id, entity_ids, issued_at, expires_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return {
    bearer: async (hash, entity) => bearer.get(entity, hash),
    listConnections: async (tenant, entity, limit, offset) =>
      connections.all({ tenant, entity, until: offset + limit, limit, offset }),
    listEntities: async (tenant) => entities.all(tenant),
    findKey: async (tenant, client, key) => findKey.get(tenant, client, key),
    async createConnection(c) {
      try {
        // BEGIN IMMEDIATE: a deferred transaction that reads and then writes fails at once with
        // SQLITE_BUSY (busy_timeout does not cover that upgrade) when multientity's server, which
        // shares the file in the benchmark, wrote in between.
        return create.immediate(c);
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'key';
        throw error;
      }
    },
    client: async (id) => client.get(id),
    scope: async (tenant, user, home, ids) => scope.all(user, tenant, JSON.stringify(ids), home),
    async insertToken(t) {
      insertToken.run(
        ...[t.tokenHash, t.jti, t.tenantId, t.clientId, t.userId, t.entityIds],
        ...[t.now, t.now + TOKEN_TTL_MS],
      );
    },
    close: async () => {
      db.close();
    },
  };
}

function postgresStatements(url: string, poolSize: number): Statements {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', () => {});
  // Named: each statement is parsed and planned once per connection, then only bound and run.
  const query = async <R>(name: string, text: string, values: unknown[]): Promise<R[]> =>
    (await pool.query<R & pg.QueryResultRow>({ name, text, values })).rows;
  const side = (column: string) =>
    `(select id, source_entity_id, target_entity_id, status, created_at from entity_connections
      where tenant_id = $1 and ${column} = $2 order by created_at, id limit $3)`;
  return {
    bearer: async (hash, entity) =>
      (
        await query<BearerRow>(
          'bearer',
          `select ${BEARER_COLUMNS}
           from access_tokens t
           join tenants n on n.id = t.tenant_id
           left join users u on u.id = t.user_id and u.tenant_id = t.tenant_id
           left join oauth_clients c on c.client_id = t.client_id
           left join entities e on e.tenant_id = t.tenant_id and e.id = $2
           left join memberships m on m.entity_id = e.id and m.user_id = t.user_id
           where t.token_hash = $1`,
          [hash, entity],
        )
      )[0],
    listConnections: (tenant, entity, limit, offset) =>
      query<ConnectionRow>(
        'connections',
        `select id, source_entity_id, target_entity_id, status from (
           ${side('source_entity_id')} union all ${side('target_entity_id')}) both_sides
         order by created_at, id limit $4 offset $5`,
        [tenant, entity, offset + limit, limit, offset],
      ),
    listEntities: (tenant) =>
      query(
        'entities',
        `select id, name, display_name as "displayName", locale, timezone, status, parent_id as "parentId",
           tenant_id as "tenantId"
         from entities where tenant_id = $1 order by created_at, id`,
        [tenant],
      ),
    findKey: async (tenant, client, key) =>
      (
        await query<KeyRow>(
          'key',
          `select method, url, body_hash, state, expires_at, response_status, response_headers, response_body
           from idempotency_keys where tenant_id = $1 and client_id = $2 and key = $3`,
          [tenant, client, key],
        )
      )[0],
    // One statement at READ COMMITTED: the target check is a CTE, and the unique indexes decide the
    // open pair (entity_connections_open_pair_unique) and the key (its primary key): a violation
    // aborts the whole statement, so nothing of it is written.
    async createConnection(c) {
      try {
        const [row] = await query<{ created: string }>(
          'create',
          `with tgt as (
             select e.id from entities e
             left join memberships m on m.entity_id = e.id and m.user_id = $5
             where e.tenant_id = $2 and e.id = $4 and e.id <> $3 and e.status = 'Provisioned'
               and (e.id = $6 or m.status = 'Active')
           ), conn as (
             insert into entity_connections (id, tenant_id, source_entity_id, target_entity_id, status, created_at, updated_at)
             select $1, $2, $3, tgt.id, 'Pending', $7::bigint, $7::bigint from tgt
             returning id
           ), audit as (
             insert into audit_events (id, tenant_id, at, user_id, client_id, entity_id, action, resource_type, resource_id, before, after)
             select $8, $2, $7::bigint, $5, $9, $3, 'connection.request', 'connection', conn.id, null, $10 from conn
           ), stored as (
             insert into idempotency_keys (tenant_id, client_id, key, method, url, body_hash, state, locked_until,
               response_status, response_headers, response_body, created_at, expires_at)
             select $2, $9, $11::text, 'POST', $12, $13, 'done', $7::bigint + ${KEY_LEASE_MS}, 200, $14, $15,
               $7::bigint, $7::bigint + ${KEY_TTL_MS}
             from conn where $11::text is not null
           )
           select count(*) as created from conn`,
          [
            ...[c.id, c.tenantId, c.sourceEntityId, c.targetEntityId, c.userId, c.homeEntityId],
            ...[c.createdAt, c.auditId, c.clientId, auditAfter(c)],
            ...[
              c.key?.name ?? null,
              c.key?.url ?? null,
              c.key?.bodyHash ?? null,
              STORED_HEADERS,
              c.key?.body,
            ],
          ],
        );
        return Number(row?.created) === 1 ? 'created' : 'target';
      } catch (error) {
        const { code, constraint } = error as { code?: string; constraint?: string };
        if (code === '23505') return constraint === 'idempotency_keys_pk' ? 'key' : 'exists';
        throw error;
      }
    },
    client: async (id) =>
      (
        await query<ClientRow>(
          'client',
          `select c.tenant_id, c.user_id, c.secret_hash, c.entity_ids, c.status as client_status,
             u.status as user_status, u.home_entity_id, n.clock_offset_ms, n.clock_frozen_at
           from oauth_clients c
           join users u on u.id = c.user_id and u.tenant_id = c.tenant_id
           join tenants n on n.id = c.tenant_id
           where c.client_id = $1`,
          [id],
        )
      )[0],
    scope: async (tenant, user, home, ids) =>
      (
        await query<{ id: string }>(
          'scope',
          `select e.id from entities e
           left join memberships m on m.entity_id = e.id and m.user_id = $1
           where e.tenant_id = $2 and e.status = 'Provisioned' and e.id = any($3::text[])
             and (e.id = $4 or m.status = 'Active')`,
          [user, tenant, ids, home],
        )
      ).map((r) => r.id),
    async insertToken(t) {
      await query(
        'token',
        `insert into access_tokens (token_hash, jti, tenant_id, client_id, user_id, entity_ids, issued_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [t.tokenHash, t.jti, t.tenantId, t.clientId, t.userId, t.entityIds, t.now, t.now + TOKEN_TTL_MS],
      );
    },
    close: () => pool.end(),
  };
}

/** A bare error envelope: the comparator's error paths are not measured. */
function fail(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).send({ success: false, reasons: [{ code: status, message }] });
}

export interface ComparatorOptions {
  /** A SQLite file made by multientity, or a postgres:// URL. */
  db: string;
  /** PostgreSQL connections (multientity's default: 10). */
  poolSize?: number;
}

export async function buildComparator(options: ComparatorOptions): Promise<FastifyInstance> {
  const postgres = /^postgres(ql)?:\/\//.test(options.db);
  const statements = postgres
    ? postgresStatements(options.db, options.poolSize ?? 10)
    : sqliteStatements(options.db);
  const app = Fastify({ logger: false, genReqId: () => randomUUID() });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('Zuora-Request-Id', request.id);
    done();
  });
  app.addHook('onClose', () => statements.close());
  // Not logging: an unexpected error (a 500) is written to stderr, which the runner shows.
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) process.stderr.write(`comparator: ${error.stack ?? error}\n`);
    return fail(reply, status, error.message);
  });
  await app.register(formbody);

  /** The bearer join and the acting entity's checks; answers the actor, or null once it has answered. */
  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Actor | null> {
    const bearer = request.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    const header = request.headers['zuora-entity-ids'];
    const version = request.headers['zuora-version'];
    const entityId = typeof header === 'string' ? parseEntityId(header) : null;
    if (!bearer || !entityId) {
      await fail(reply, bearer ? 400 : 401, bearer ? 'Zuora-Entity-Ids is required' : 'missing token');
      return null;
    }
    const row = await statements.bearer(sha256Hex(bearer), entityId);
    const now = row ? tenantNow(row.clock_offset_ms, row.clock_frozen_at) : 0;
    if (
      !row ||
      Number(row.expires_at) <= now ||
      row.user_status !== 'Active' ||
      row.client_status === null ||
      row.client_status === 'Inactive'
    ) {
      await fail(reply, 401, 'invalid token');
      return null;
    }
    const inScope = (JSON.parse(row.entity_ids) as string[]).includes(entityId);
    const accessible = row.home_entity_id === entityId || row.member_status === 'Active';
    if (!inScope || row.entity_found === null || !accessible) {
      await fail(reply, 403, 'entity out of scope');
      return null;
    }
    return {
      tenantId: row.tenant_id,
      clientId: row.client_id,
      userId: row.user_id,
      homeEntityId: row.home_entity_id as string,
      entityId,
      admin: row.member_status === 'Active' && row.member_role === 'Administrator',
      now,
      apiVersion: (typeof version === 'string' ? version : row.api_version).trim(),
    };
  }

  app.get(
    '/v1/entity-connections',
    {
      schema: {
        querystring: ListEntityConnectionsQuery,
        response: { 200: ListEntityConnectionsResponse },
      },
    },
    async (request, reply) => {
      const actor = await authenticate(request, reply);
      if (!actor) return reply;
      const query = request.query as { page?: number; pageSize?: number };
      const page = query.page ?? 1;
      const pageSize = query.pageSize ?? 30;
      const rows = await statements.listConnections(
        actor.tenantId,
        actor.entityId,
        pageSize + 1,
        (page - 1) * pageSize,
      );
      const entityConnections = rows.slice(0, pageSize).map((r) => ({
        id: r.id,
        sourceEntityId: r.source_entity_id,
        targetEntityId: r.target_entity_id,
        status: r.status,
      }));
      if (rows.length <= pageSize) return { entityConnections, success: true };
      const next = new URL(request.url, `${request.protocol}://${request.host}`);
      next.searchParams.set('page', String(page + 1));
      next.searchParams.set('pageSize', String(pageSize));
      return { entityConnections, nextPage: next.toString(), success: true };
    },
  );

  app.get('/v1/entities', { schema: { response: { 200: ListEntitiesResponse } } }, async (request, reply) => {
    const actor = await authenticate(request, reply);
    if (!actor) return reply;
    return { entities: await statements.listEntities(actor.tenantId), success: true };
  });

  app.post(
    '/v1/entity-connections',
    { schema: { body: CreateEntityConnectionRequest, response: { 200: CreateEntityConnectionResponse } } },
    async (request, reply) => {
      const actor = await authenticate(request, reply);
      if (!actor) return reply;
      const body = request.body as { targetEntityId: string };
      const keyHeader = request.headers['idempotency-key'];
      const keyName = typeof keyHeader === 'string' && keyHeader.length > 0 ? keyHeader : null;
      // The key's fingerprint as multientity makes it (domain/idempotency.ts), so each replays the other's keys.
      const bodyHash = requestFingerprint({
        method: 'POST',
        url: request.url,
        tenantId: actor.tenantId,
        clientId: actor.clientId,
        userId: actor.userId,
        entityId: actor.entityId,
        apiVersion: actor.apiVersion,
        body,
      });
      if (keyName !== null) {
        const stored = await statements.findKey(actor.tenantId, actor.clientId, keyName);
        if (stored && Number(stored.expires_at) > actor.now) {
          if (stored.body_hash !== bodyHash)
            return fail(reply, 422, 'Idempotency-Key used for another request');
          if (stored.state !== 'done') return fail(reply, 409, 'Idempotency-Key in flight');
          return reply
            .headers(JSON.parse(stored.response_headers ?? '{}') as Record<string, string>)
            .header('Idempotent-Replayed', 'true')
            .code((stored.response_status ?? 200) as 200)
            .send(stored.response_body);
        }
        // An expired key is not reclaimed here: no scenario sends one.
      }
      if (!actor.admin) return fail(reply, 403, 'not an administrator of the entity');
      const id = hex32();
      const payload = { id, success: true };
      const serialized = String(reply.serialize(payload));
      const outcome = await statements.createConnection({
        id,
        tenantId: actor.tenantId,
        sourceEntityId: actor.entityId,
        targetEntityId: body.targetEntityId.toLowerCase(),
        createdAt: actor.now,
        auditId: hex32(),
        clientId: actor.clientId,
        userId: actor.userId,
        homeEntityId: actor.homeEntityId,
        key: keyName === null ? null : { name: keyName, url: request.url, bodyHash, body: serialized },
      });
      if (outcome === 'target') return fail(reply, 400, 'target entity not found or not accessible');
      if (outcome === 'exists') return fail(reply, 409, 'an open connection exists for the pair');
      if (outcome === 'key') return fail(reply, 409, 'Idempotency-Key in flight');
      return reply.type('application/json; charset=utf-8').send(serialized);
    },
  );

  app.post('/oauth/token', { schema: { response: { 200: TokenResponse } } }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    if (!form.client_id || !form.client_secret || form.grant_type !== 'client_credentials')
      return fail(reply, 400, 'client_id, client_secret and grant_type=client_credentials are required');
    const client = await statements.client(form.client_id);
    if (
      !client ||
      !verifySecret(form.client_secret, client.secret_hash) ||
      client.client_status === 'Inactive' ||
      client.user_status !== 'Active'
    )
      return fail(reply, 401, 'invalid client');
    const wanted = JSON.parse(client.entity_ids) as string[];
    const allowed = new Set(
      await statements.scope(client.tenant_id, client.user_id, client.home_entity_id, wanted),
    );
    const entityIds = wanted.filter((id) => allowed.has(id));
    const token = hex32();
    const jti = hex32();
    await statements.insertToken({
      tokenHash: sha256Hex(token),
      jti,
      tenantId: client.tenant_id,
      clientId: form.client_id,
      userId: client.user_id,
      entityIds: JSON.stringify(entityIds),
      now: tenantNow(client.clock_offset_ms, client.clock_frozen_at),
    });
    return {
      access_token: token,
      token_type: 'bearer' as const,
      expires_in: 3599,
      scope: [
        `user.${client.user_id}`,
        ...entityIds.map((id) => `entity.${hexToUuid(id)}`),
        `tenant.${client.tenant_id}`,
      ].join(' '),
      jti,
    };
  });

  return app;
}
