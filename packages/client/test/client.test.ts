import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Multientity, startMultientity, type TestTenant } from '../../../src/testing/index.js';
import {
  AuthenticationError,
  MultientityClient,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  ValidationError,
  ZuoraConnectionError,
} from '../src/index.js';
import { acme } from './kit-fixtures.js';

// The client against the server, through the test kit: one server for the file, a tenant per test.
// Retry delays are short so the retry tests take milliseconds, not seconds.
const fast = { baseDelayMs: 10, maxDelayMs: 50 };

let me: Multientity;
before(async () => {
  me = await startMultientity({ clientOptions: fast });
});
after(() => me?.stop());

const OPTIONS = { timeout: 30_000 };

async function tenant(): Promise<TestTenant> {
  return me.tenant(acme());
}

const postsOf = async (t: TestTenant, path: string) =>
  (await t.journal({ path })).filter((entry) => entry.method === 'POST').reverse();

describe('every operation', OPTIONS, () => {
  it('creates, reads, updates, provisions and deletes entities', async () => {
    const t = await tenant();
    const created = await t.client.entities.create({
      name: 'Acme-Asia',
      parentId: t.globalEntityId,
      locale: 'zh_CN',
      timezone: 'Asia/Harbin',
    });
    assert.equal(created.success, true);
    assert.equal(created.status, 'Unprovisioned');
    assert.equal(created.parentId, t.globalEntityId);

    const listed = await t.client.entities.list({ provisioned: 'false' });
    assert.deepEqual(listed.entities.map((e) => e.name).sort(), ['Acme-Asia', 'Lab']);
    assert.equal((await t.client.entities.get(created.id)).displayName, 'Acme-Asia');

    assert.deepEqual(await t.client.entities.update(created.id, { displayName: 'Acme Asia' }), {
      success: true,
    });
    assert.equal((await t.client.entities.get(created.id)).displayName, 'Acme Asia');
    assert.deepEqual(await t.client.entities.provision(created.id), { success: true });
    assert.equal((await t.client.entities.get(created.id)).status, 'Provisioned');

    const lab = t.entities.Lab as string;
    assert.deepEqual(await t.client.entities.delete(lab), { success: true });
    await assert.rejects(t.client.entities.get(lab), NotFoundError);
  });

  it('asks for, accepts, disconnects and denies connections, acting in each side', async () => {
    const t = await tenant();
    const us = t.entities.US as string;
    const uk = t.entities.UK as string;
    const { id } = await t.client.entityConnections.create({ targetEntityId: us });
    const inUs = t.client.inEntity(us);
    const inbound = await inUs.entityConnections.list({ type: 'inbound' }).toArray();
    assert.deepEqual(inbound, [
      { id, sourceEntityId: t.globalEntityId, targetEntityId: us, status: 'Pending' },
    ]);
    assert.deepEqual(await inUs.entityConnections.accept(id), { success: true });
    assert.deepEqual(await t.client.entityConnections.disconnect(id), { success: true });
    const [after] = await t.client.entityConnections.list({ type: 'outbound' }).toArray();
    assert.equal(after?.status, 'Disconnected');

    const second = await t.client.entityConnections.create({ targetEntityId: uk });
    assert.deepEqual(await t.client.inEntity(uk).entityConnections.deny(second.id), { success: true });
    const outbound = await t.client.entityConnections.list({ type: 'outbound' }).toArray();
    assert.deepEqual(
      outbound.map((c) => c.id),
      [id],
    );
  });

  it('requests, accepts and denies user access, and lists accessible entities', async () => {
    const t = await tenant();
    const uk = t.entities.UK as string;
    const de = t.entities.DE as string;
    const before = await t.client.users.accessibleEntities('clerk@acme.test');
    assert.deepEqual(before.entities.map((e) => e.name).sort(), ['Global', 'US']);

    // The caller administers UK and DE too, so the request makes the clerk Active there at once.
    assert.deepEqual(await t.client.users.requestAccess('clerk@acme.test', { targetEntityIds: [uk, de] }), {
      success: true,
    });
    const granted = await t.client.users.accessibleEntities('clerk@acme.test');
    assert.deepEqual(granted.entities.map((e) => e.name).sort(), ['DE', 'Global', 'UK', 'US']);

    assert.deepEqual(await t.client.inEntity(uk).users.denyAccess('clerk@acme.test'), { success: true });
    assert.deepEqual(
      (await t.client.users.accessibleEntities('clerk@acme.test')).entities.map((e) => e.name).sort(),
      ['DE', 'Global', 'US'],
    );
    // Access Denied, asked again: Pending Review, which an administrator of UK accepts.
    await t.client.users.requestAccess('clerk@acme.test', { targetEntityIds: [uk] });
    await t.client
      .inEntity(uk)
      .users.acceptAccess('clerk@acme.test')
      .catch(() => undefined);
    assert.ok(
      (await t.client.users.accessibleEntities('clerk@acme.test')).entities.some((e) => e.name === 'UK'),
    );
  });

  it('creates a token on demand (createToken)', async () => {
    const t = await tenant();
    const token = await t.client.oauth.createToken();
    assert.equal(token.token_type, 'bearer');
    assert.equal(token.expires_in, 3599);
    assert.match(token.scope, /tenant\.\d+/);
  });
});

describe('entity context', OPTIONS, () => {
  it('sends Zuora-Entity-Ids from inEntity, as 32 hex or as a UUID, and refuses anything else', async () => {
    const t = await tenant();
    const us = t.entities.US as string;
    const uuid = `${us.slice(0, 8)}-${us.slice(8, 12)}-${us.slice(12, 16)}-${us.slice(16, 20)}-${us.slice(20)}`;
    await t.client.inEntity(uuid).entityConnections.list().firstPage();
    await t.client.entityConnections.list({}, { entityId: us, trackId: 'per-call-entity' }).firstPage();
    const [perCall] = await t.journal({ trackId: 'per-call-entity' });
    assert.equal(perCall?.headers['zuora-entity-ids'], us);
    const sent = (await t.journal({ path: '/v1/entity-connections' })).map(
      (e) => e.headers['zuora-entity-ids'],
    );
    assert.ok(sent.includes(uuid));
    assert.throws(() => t.client.inEntity('not-an-id'), TypeError);
  });
});

describe('tokens', OPTIONS, () => {
  it('fetches one token for concurrent calls and keeps it', async () => {
    const t = await tenant();
    await Promise.all(Array.from({ length: 8 }, () => t.client.entities.list()));
    await t.client.entities.list();
    assert.equal(t.client.tokensFetched, 1);
    assert.equal((await postsOf(t, '/oauth/token')).length, 1);
  });

  it('fetches a new token once after a 401 when the tenant clock passes the expiry', async () => {
    const t = await tenant();
    // A 401 is in no journal (the token names no tenant any more), so the client's fetch records.
    const statuses: number[] = [];
    const client = t.clientFor({
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        statuses.push(response.status);
        return response;
      },
    });
    await client.entities.list();
    await t.advanceClock({ hours: 1, minutes: 1 });
    const answer = await client.entities.list();
    assert.equal(answer.success, true);
    assert.equal(client.tokensFetched, 2);
    // token, list, list refused with the expired token, token, list again
    assert.deepEqual(statuses, [200, 200, 401, 200, 200]);
  });

  it('fetches a new token before the held one expires (refreshMarginMs)', async () => {
    const t = await tenant();
    const client = t.clientFor({ refreshMarginMs: 3_599_000 });
    await client.entities.list();
    await client.entities.list();
    assert.equal(client.tokensFetched, 2);
    assert.equal((await t.journal({ status: 401 })).length, 0);
  });

  it('throws AuthenticationError for a wrong secret, without retrying', async () => {
    const t = await tenant();
    const client = me.client({ clientId: t.clients[0]?.clientId as string, clientSecret: 'wrong' });
    const error = await client.entities.list().catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.status, 401);
    assert.equal(error.category, 11);
    assert.equal(error.code, 90000011);
    assert.match(error.processId ?? '', /^[0-9A-F]{16}$/);
    assert.equal((await postsOf(t, '/oauth/token')).length, 1);
  });
});

describe('retries', OPTIONS, () => {
  it('retries a POST through a dropped connection and a 503 with one Idempotency-Key: one connection', async () => {
    const t = await tenant();
    await t.client.entities.list(); // the token first, so the rules meet only the POST
    await t.addFault({ method: 'POST', path: '/v1/entity-connections', fault: 'drop', times: 1 });
    await t.addFault({ method: 'POST', path: '/v1/entity-connections', fault: '503', times: 1 });
    const { id } = await t.client.entityConnections.create({ targetEntityId: t.entities.US as string });
    const posts = await postsOf(t, '/v1/entity-connections');
    assert.deepEqual(
      posts.map((p) => p.status),
      [0, 503, 200],
    );
    const keys = new Set(posts.map((p) => p.headers['idempotency-key']));
    assert.equal(keys.size, 1);
    assert.ok([...keys][0]);
    const listed = await t.client.entityConnections.list().toArray();
    assert.deepEqual(
      listed.map((c) => c.id),
      [id],
    );
  });

  it('retries a POST whose attempt timed out, under the same Idempotency-Key: one connection', async () => {
    const t = await tenant();
    await t.client.entities.list();
    await t.addFault({
      method: 'POST',
      path: '/v1/entity-connections',
      fault: 'latency',
      latencyMs: 2000,
      times: 1,
    });
    const { id } = await t.client.entityConnections.create(
      { targetEntityId: t.entities.UK as string },
      { timeoutMs: 1000, idempotencyKey: 'timed-out-once' },
    );
    // Let the first, slow attempt (2 s of latency, then the handler) finish on the server too.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const listed = await t.client.entityConnections.list().toArray();
    assert.deepEqual(
      listed.map((c) => c.id),
      [id],
    );
    const posts = await postsOf(t, '/v1/entity-connections');
    // The slow first attempt reached the server (the rule fired); the answer came under the same key.
    const [rule] = (await me.admin.faults.list(t.id)).faultRules;
    assert.equal(rule?.remaining, 0);
    assert.ok(posts.length >= 1);
    assert.ok(posts.every((p) => p.headers['idempotency-key'] === 'timed-out-once'));
  });

  it('waits for Retry-After on a 429 and then succeeds', async () => {
    const t = await tenant();
    await t.client.entities.list();
    await t.addFault({ path: '/v1/entities', fault: '429', retryAfter: 1, times: 1 });
    const started = Date.now();
    await t.client.entities.list({}, { trackId: 'limited' });
    assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
    const statuses = (await t.journal({ trackId: 'limited' })).map((e) => e.status).reverse();
    assert.deepEqual(statuses, [429, 200]);
  });

  it('stops after maxRetries and throws the last error', async () => {
    const t = await tenant();
    await t.client.entities.list();
    await t.addFault({ path: '/v1/entities', fault: '503' });
    const error = await t.client.entities
      .list({}, { maxRetries: 2, trackId: 'down' })
      .catch((e: unknown) => e);
    assert.ok(error instanceof ServerError);
    assert.equal(error.status, 503);
    assert.equal(error.category, 61);
    assert.equal(error.trackId, 'down');
    assert.equal((await t.journal({ trackId: 'down' })).length, 3);
  });

  it('does not retry another 4xx', async () => {
    const t = await tenant();
    const error = await t.client.entityConnections
      .create({ targetEntityId: t.globalEntityId }, { trackId: 'to-itself' })
      .catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError);
    assert.equal(error.category, 30);
    assert.equal((await t.journal({ trackId: 'to-itself' })).length, 1);
  });
});

describe('errors by category', OPTIONS, () => {
  it('answers PermissionError, NotFoundError, ValidationError, RateLimitError and ServerError', async () => {
    const t = await tenant();
    const clerk = t.clientFor({ clientId: t.clients[1]?.clientId });
    const permission = await clerk.entities
      .create({ name: 'Nope', parentId: t.globalEntityId, locale: 'en_US', timezone: 'GMT' })
      .catch((e: unknown) => e);
    assert.ok(permission instanceof PermissionError);
    assert.deepEqual([permission.status, permission.category], [403, 10]);

    const missing = await t.client.entities.get('0'.repeat(32)).catch((e: unknown) => e);
    assert.ok(missing instanceof NotFoundError);
    assert.deepEqual([missing.status, missing.category], [404, 40]);
    assert.ok(missing.requestId);

    const invalid = await t.client.entities
      .create({ name: 'Bad/Name', parentId: t.globalEntityId, locale: 'en_US', timezone: 'GMT' })
      .catch((e: unknown) => e);
    assert.ok(invalid instanceof ValidationError);
    assert.equal(invalid.status, 400);
    assert.ok(invalid.reasons[0]?.message);

    await t.addFault({ path: '/v1/entities', fault: '429', retryAfter: 30, times: 1 });
    const limited = await t.client.entities.list({}, { maxRetryTimeMs: 1000 }).catch((e: unknown) => e);
    assert.ok(limited instanceof RateLimitError);
    assert.deepEqual([limited.status, limited.category, limited.retryAfter], [429, 70, 30]);

    await t.addFault({ path: '/v1/entities', fault: '500', times: 1 });
    const server = await t.client.entities.list({}, { maxRetries: 0 }).catch((e: unknown) => e);
    assert.ok(server instanceof ServerError);
    assert.deepEqual([server.status, server.category], [500, 60]);
  });

  it('throws the same classes when a Zuora-Version before 2024-05-20 answers errors as HTTP 200', async () => {
    const t = await tenant();
    const error = await t.client.entities
      .get('0'.repeat(32), { zuoraVersion: '211.0' })
      .catch((e: unknown) => e);
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.status, 200);
    assert.equal(error.category, 40);
    assert.match(error.processId ?? '', /^[0-9A-F]{16}$/);
  });
});

describe('pagination', OPTIONS, () => {
  it('follows nextPage across pages, as items or as pages', async () => {
    const t = await tenant();
    for (const name of ['US', 'UK', 'DE', 'FR', 'JP']) {
      await t.client.entityConnections.create({ targetEntityId: t.entities[name] as string });
    }
    const pager = t.client.entityConnections.list({ type: 'outbound', pageSize: 2 });
    const pages = [];
    for await (const page of pager.pages()) pages.push(page);
    assert.deepEqual(
      pages.map((p) => p.entityConnections.length),
      [2, 2, 1],
    );
    assert.ok(pages[0]?.nextPage);
    assert.equal(pages[2]?.nextPage, undefined);
    const targets = [];
    for await (const connection of pager) targets.push(connection.targetEntityId);
    assert.deepEqual(targets.sort(), ['US', 'UK', 'DE', 'FR', 'JP'].map((n) => t.entities[n]).sort());
  });
});

describe('per-call options', OPTIONS, () => {
  it('sends Zuora-Track-Id, gzips a body past the threshold, and honours AbortSignal and timeouts', async () => {
    const t = await tenant();
    await t.client.entityConnections.create(
      { targetEntityId: t.entities.US as string },
      { trackId: 'zipped', gzipThreshold: 0 },
    );
    const [zipped] = await t.journal({ trackId: 'zipped' });
    assert.equal(zipped?.headers['content-encoding'], 'gzip');
    assert.equal(zipped?.status, 200);

    await t.addFault({ path: '/v1/entities', fault: 'latency', latencyMs: 2000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await assert.rejects(t.client.entities.list({}, { signal: controller.signal }), { name: 'AbortError' });
    assert.ok(Date.now() - started < 1500);

    const timedOut = await t.client.entities
      .list({}, { timeoutMs: 100, maxRetries: 0 })
      .catch((e: unknown) => e);
    assert.ok(timedOut instanceof ZuoraConnectionError);
    assert.equal(timedOut.timedOut, true);
    await t.clearFaults();
  });
});

describe('admin API', OPTIONS, () => {
  it('manages tenants, users, clients, clock, faults, journal, audit and limits', async () => {
    const t = await tenant();
    const admin = me.admin;
    assert.ok((await admin.tenants.list()).tenants.some((x) => x.id === t.id));
    assert.equal((await admin.tenants.get(t.id)).globalEntityId, t.globalEntityId);

    const user = await admin.users.create(t.id, { username: 'new@acme.test', homeEntity: 'Global' });
    assert.ok((await admin.users.list(t.id)).users.some((u) => u.id === user.id));
    const client = await admin.clients.create(t.id, { user: user.id, entities: ['Global'] });
    assert.equal(client.clientSecret.length > 0, true);
    const own = me.client({ clientId: client.clientId, clientSecret: client.clientSecret });
    assert.equal((await own.entities.list()).success, true);
    assert.equal((await admin.clients.deactivate(t.id, client.clientId)).status, 'Inactive');
    assert.ok((await admin.clients.list(t.id)).clients.some((c) => c.clientId === client.clientId));
    assert.equal((await admin.users.deactivate(t.id, user.id)).status, 'Inactive');

    const frozen = await admin.clock.set(t.id, { time: '2030-01-01T00:00:00.000Z', frozen: true });
    assert.equal(frozen.frozen, true);
    assert.equal((await admin.clock.advance(t.id, { days: 1 })).time, '2030-01-02T00:00:00.000Z');
    assert.equal((await admin.clock.get(t.id)).time, '2030-01-02T00:00:00.000Z');
    assert.equal((await admin.clock.reset(t.id)).frozen, false);

    const rule = await admin.faults.create(t.id, { path: '/v1/**', fault: 'latency', latencyMs: 1 });
    assert.equal((await admin.faults.list(t.id)).faultRules.length, 1);
    assert.deepEqual(await admin.faults.delete(t.id, rule.id), { success: true });
    assert.equal((await admin.faults.clear(t.id)).deleted, 0);

    await t.client.entities.list();
    assert.ok((await admin.journal.list(t.id, { limit: 1 })).requests.length === 1);
    await admin.journal.clear(t.id);
    assert.equal((await admin.journal.list(t.id)).requests.length, 0);
    assert.ok((await admin.audit.list(t.id, { limit: 5 })).events.length > 0);

    assert.equal((await admin.limits.set(t.id, { profile: 'api-sandbox' })).limits?.perMinute, 2500);
    assert.equal((await admin.limits.get(t.id)).settings.profile, 'api-sandbox');

    const reset = await admin.tenants.reset(t.id);
    assert.equal(reset.id, t.id);
    assert.equal((await admin.limits.get(t.id)).limits, null);
    await admin.tenants.delete(t.id);
    await assert.rejects(admin.tenants.get(t.id), NotFoundError);
  });

  it('refuses another operator token with PermissionError', async () => {
    const other = new MultientityClient({ baseUrl: me.url, operatorToken: 'x'.repeat(32) });
    await assert.rejects(other.admin.tenants.list(), PermissionError);
  });
});
