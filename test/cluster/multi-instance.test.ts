import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPostgresTestDatabase, postgresTestUrl } from '../helpers/databases.js';
import { acmeFixture, clients, ids, orderedPairs, wide, wideFixture } from '../helpers/fixtures.js';
import { after, before, describe, it } from '../helpers/node-test.js';
import { buildCli, type ServerProcess, startServer } from '../helpers/server-process.js';

/**
 * Three server processes (the built CLI) on one PostgreSQL database, the way they run behind a
 * load balancer: whatever one instance acknowledged, the others see, and racing requests spread
 * over them have exactly one effect.
 */

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function tokenFrom(
  server: ServerProcess,
  client: { id: string; secret: string } = clients.globalAdmin,
): Promise<string> {
  const answer = await send(`${server.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: client.id,
      client_secret: client.secret,
      grant_type: 'client_credentials',
    }),
  });
  assert.equal(answer.status, 200, answer.body);
  return (JSON.parse(answer.body) as { access_token: string }).access_token;
}

function requestConnection(
  server: ServerProcess,
  token: string,
  from: string,
  to: string,
  idempotencyKey?: string,
): Promise<Answer> {
  return send(`${server.url}/v1/entity-connections`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'zuora-entity-ids': from,
      'content-type': 'application/json',
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: JSON.stringify({ targetEntityId: to }),
  });
}

async function outbound(server: ServerProcess, token: string, from: string) {
  const answer = await send(`${server.url}/v1/entity-connections?type=outbound&pageSize=300`, {
    headers: { authorization: `Bearer ${token}`, 'zuora-entity-ids': from },
  });
  assert.equal(answer.status, 200, answer.body);
  return (
    JSON.parse(answer.body) as { entityConnections: { id: string; targetEntityId: string; status: string }[] }
  ).entityConnections;
}

/** The Zuora error category: the last two digits of the first reason code. */
const category = (answer: Answer) =>
  ((JSON.parse(answer.body) as { reasons: { code: number }[] }).reasons[0]?.code ?? 0) % 100;

/** Sub-entities of the wide tenant: 25 entities, 600 ordered pairs. */
const WIDE_CHILDREN = 24;

describe('postgres: three instances on one database', {
  skip: postgresTestUrl ? false : 'no PostgreSQL',
}, () => {
  let servers: ServerProcess[] = [];
  let drop: () => Promise<void> = async () => {};
  let dir = '';

  before(async () => {
    await buildCli();
    const database = await createPostgresTestDatabase();
    drop = database.drop;
    dir = mkdtempSync(join(tmpdir(), 'multientity-cluster-'));
    const fixture = join(dir, 'fixture.json');
    const acme = acmeFixture();
    writeFileSync(
      fixture,
      JSON.stringify({ tenants: [...acme.tenants, ...wideFixture(WIDE_CHILDREN).tenants] }),
    );
    // Started at once, each with the fixture: concurrent starts and fixture loads must agree.
    servers = await Promise.all(
      [1, 2, 3].map(() =>
        startServer({
          args: ['--db', database.url, '--port', '0', '--fixture', fixture, '--log-level', 'silent'],
          env: { MULTIENTITY_PG_POOL_SIZE: '4' },
          timeoutMs: 30_000,
        }),
      ),
    );
  });

  after(async () => {
    await Promise.allSettled(servers.map((server) => server.stop('SIGKILL')));
    await drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts on every instance a token that one instance issued', async () => {
    const [first, second, third] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const token = await tokenFrom(second);
    for (const server of [first, third]) await outbound(server, token, ids.global);
  });

  it('answers the same Idempotency-Key sent to all three at once with one connection and identical responses', async () => {
    const token = await tokenFrom(servers[0] as ServerProcess);
    const key = `cluster-${Date.now()}`;
    const first = await Promise.all(
      servers.map((server) => requestConnection(server, token, ids.global, ids.us, key)),
    );
    // A request that raced the first one while it ran is 409 (category 50); its retry replays.
    const answers: Answer[] = [];
    for (const [i, answer] of first.entries()) {
      let current = answer;
      for (let retry = 0; current.status === 409 && retry < 50; retry++) {
        assert.equal(category(current), 50, current.body);
        await sleep(100);
        current = await requestConnection(servers[i] as ServerProcess, token, ids.global, ids.us, key);
      }
      answers.push(current);
    }
    for (const answer of answers) assert.equal(answer.status, 200, answer.body);
    assert.equal(new Set(answers.map((answer) => answer.body)).size, 1, 'identical bodies');
    const original = answers.filter((answer) => answer.headers.get('idempotent-replayed') !== 'true');
    assert.equal(original.length, 1, 'one request ran; the others were replays');
    const { id } = JSON.parse(answers[0]?.body ?? '{}') as { id: string };
    const toUs = (await outbound(servers[2] as ServerProcess, token, ids.global)).filter(
      (c) => c.targetEntityId === ids.us,
    );
    assert.deepEqual(
      toUs.map((c) => [c.id, c.status]),
      [[id, 'Pending']],
    );
  });

  it('creates one Pending connection when the same pair is requested from every instance at once', async () => {
    const token = await tokenFrom(servers[1] as ServerProcess);
    const answers = await Promise.all(
      [...servers, ...servers].map((server) => requestConnection(server, token, ids.global, ids.eu)),
    );
    const created = answers.filter((answer) => answer.status === 200);
    assert.equal(created.length, 1, answers.map((a) => `${a.status} ${a.body}`).join('\n'));
    for (const answer of answers) {
      if (answer.status === 200) continue;
      // The pair exists (400, category 30), or the race was still on after the retries (409, 50).
      assert.ok(
        (answer.status === 400 && category(answer) === 30) ||
          (answer.status === 409 && category(answer) === 50),
        `${answer.status} ${answer.body}`,
      );
    }
    const toEu = (await outbound(servers[0] as ServerProcess, token, ids.global)).filter(
      (c) => c.targetEntityId === ids.eu,
    );
    assert.equal(toEu.length, 1);
    assert.equal(toEu[0]?.status, 'Pending');
    assert.equal(toEu[0]?.id, (JSON.parse(created[0]?.body ?? '{}') as { id: string }).id);
  });

  it('answers 200 to each of 600 fresh-key requests on distinct pairs sent by 32 clients over the three', {
    timeout: 180_000,
  }, async () => {
    const token = await tokenFrom(servers[0] as ServerProcess, wide.client);
    const pairs = orderedPairs(wide.entityIds(WIDE_CHILDREN));
    const run = `${Date.now()}`;
    const answers: Answer[] = [];
    let next = 0;
    // 32 clients, each sending its next request when its last is answered, as a load generator does.
    await Promise.all(
      Array.from({ length: 32 }, async (_, client) => {
        for (let i = next++; i < pairs.length; i = next++) {
          const [from, to] = pairs[i] as [string, string];
          const server = servers[(client + i) % 3] as ServerProcess;
          answers[i] = await requestConnection(server, token, from, to, `distinct-${run}-${i}`);
        }
      }),
    );
    const failed = answers.filter((answer) => answer.status !== 200);
    assert.deepEqual(
      failed.map((answer) => `${answer.status} ${answer.body}`),
      [],
      'requests that share no key and no pair never conflict',
    );
    // Exactly one Pending connection per pair, the one each answer named.
    for (const from of wide.entityIds(WIDE_CHILDREN)) {
      const listed = await outbound(servers[1] as ServerProcess, token, from);
      const expected = pairs.flatMap(([source, target], i) =>
        source === from ? [[(JSON.parse(answers[i]?.body ?? '{}') as { id: string }).id, target]] : [],
      );
      assert.deepEqual(
        listed.map((c) => [c.id, c.targetEntityId]).sort(),
        expected.sort(),
        `connections of ${from}`,
      );
      assert.ok(listed.every((c) => c.status === 'Pending'));
    }
  });

  it('answers the same fresh-key request sent to all three at once with one connection: exactly once', {
    timeout: 60_000,
  }, async () => {
    const token = await tokenFrom(servers[2] as ServerProcess, wide.client);
    const [from, to] = wide.entityIds(WIDE_CHILDREN).slice(-2) as [string, string];
    // The test above opened every pair: deny (remove) this one's connection to free the pair again.
    const existing = (await outbound(servers[0] as ServerProcess, token, from)).find(
      (c) => c.targetEntityId === to,
    );
    assert.ok(existing);
    const deny = await send(`${servers[0]?.url}/v1/entity-connections/${existing.id}/deny`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'zuora-entity-ids': to },
    });
    assert.equal(deny.status, 200, deny.body);
    const key = `once-${Date.now()}`;
    const answers = await Promise.all(
      [...servers, ...servers, ...servers].map((server) => requestConnection(server, token, from, to, key)),
    );
    for (const answer of answers) {
      // The first runs it; a request meeting the key while it runs is 409 (category 50); the rest replay.
      if (answer.status === 409) assert.equal(category(answer), 50, answer.body);
      else assert.equal(answer.status, 200, answer.body);
    }
    const bodies = new Set(answers.filter((a) => a.status === 200).map((a) => a.body));
    assert.equal(bodies.size, 1, 'every 200 carries the one connection');
    const ran = answers.filter((a) => a.status === 200 && a.headers.get('idempotent-replayed') !== 'true');
    assert.equal(ran.length, 1, 'the key ran once');
    const open = (await outbound(servers[1] as ServerProcess, token, from)).filter(
      (c) => c.targetEntityId === to,
    );
    assert.deepEqual(
      open.map((c) => c.id),
      [(JSON.parse([...bodies][0] ?? '{}') as { id: string }).id],
    );
  });

  it('loses nothing an instance acknowledged when it is killed with SIGKILL mid-stream', async () => {
    const [survivor, , victim] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const token = await tokenFrom(victim);
    // Every ordered pair among the four provisioned entities not used above.
    const entities = [ids.global, ids.us, ids.eu, ids.apac];
    const pairs = entities
      .flatMap((from) => entities.map((to) => [from, to] as const))
      .filter(([from, to]) => from !== to && from !== ids.global);
    const acknowledged: { from: string; id: string }[] = [];
    let killed = false;
    await Promise.all(
      pairs.map(async ([from, to], i) => {
        await sleep(i * 15);
        try {
          const answer = await requestConnection(victim, token, from, to, `kill-${i}`);
          if (answer.status === 200) {
            acknowledged.push({ from, id: (JSON.parse(answer.body) as { id: string }).id });
          }
        } catch {
          // The connection died with the process: not acknowledged, so nothing is owed.
        }
        if (!killed && acknowledged.length >= 2) {
          killed = true;
          await victim.stop('SIGKILL');
        }
      }),
    );
    assert.ok(killed, 'the instance was killed while requests were under way');
    assert.ok(acknowledged.length >= 2);
    for (const { from, id } of acknowledged) {
      const connections = await outbound(survivor, token, from);
      assert.ok(
        connections.some((c) => c.id === id && c.status === 'Pending'),
        `acknowledged connection ${id} is on the surviving instance`,
      );
    }
  });
});
