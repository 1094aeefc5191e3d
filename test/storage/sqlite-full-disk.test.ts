import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import SqliteDatabase from 'better-sqlite3';
import pino from 'pino';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { build } from '../helpers/build.js';
import { orderedPairs, wide, wideFixture } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { describe, it } from '../helpers/node-test.js';

const entityIds = wide.entityIds(11);
/** 132 requests that share no pair. */
const pairs = orderedPairs(entityIds);

describe('sqlite: a full disk', () => {
  it('answers 503 with category 61 and logs SQLITE_FULL, storing nothing under the key, and a retry with room succeeds', {
    timeout: 60_000,
  }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'multientity-full-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'data.db');
    const file = { name: 'sqlite' as const, openStore: () => createSqliteStore({ path }) };
    const fixture = wideFixture(11);
    // The fixture loaded, then the file capped at a few pages more than it holds.
    const first = await build(undefined, { database: file, fixture });
    await first.app.close();
    await first.store.close();
    const probe = new SqliteDatabase(path);
    const pages = probe.pragma('page_count', { simple: true }) as number;
    probe.close();

    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        callback();
      },
    });
    const capped = await build(t, {
      database: { name: 'sqlite', openStore: () => createSqliteStore({ path, maxPageCount: pages + 1 }) },
      fixture,
      logger: pino({ level: 'info' }, sink),
    });
    const token = await tokenFor(capped.app, wide.client);
    const post = (app: typeof capped.app, i: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers: {
          authorization: `Bearer ${token}`,
          'zuora-entity-ids': pairs[i]?.[0] ?? '',
          'idempotency-key': `full-${i}`,
        },
        payload: { targetEntityId: pairs[i]?.[1] },
      });
    const acknowledged: string[] = [];
    let full: { index: number; status: number; body: string } | undefined;
    for (let i = 0; i < pairs.length && !full; i++) {
      const answer = await post(capped.app, i);
      if (answer.statusCode === 200) acknowledged.push(answer.json().id);
      else full = { index: i, status: answer.statusCode, body: answer.body };
    }
    assert.ok(full, 'the capped file filled up');
    assert.equal(full.status, 503, full.body);
    assert.equal(JSON.parse(full.body).reasons[0].code % 100, 61);
    const logged = JSON.stringify(lines.filter((line) => line.level === 50));
    assert.match(logged, /SQLITE_FULL/);
    assert.doesNotMatch(logged, /cannot rollback/);
    await capped.app.close();
    await capped.store.close();

    // With room again: the same key runs (nothing was stored under it), and nothing acknowledged is lost.
    const roomy = await build(t, { database: file, fixture });
    const retried = await post(roomy.app, full.index);
    assert.equal(retried.statusCode, 200, retried.body);
    assert.equal(retried.headers['idempotent-replayed'], undefined);
    const present = new Set<string>();
    for (const entityId of entityIds) {
      const listed = await roomy.app.inject({
        method: 'GET',
        url: '/v1/entity-connections?type=outbound&pageSize=300',
        headers: { authorization: `Bearer ${token}`, 'zuora-entity-ids': entityId },
      });
      for (const c of listed.json().entityConnections as { id: string }[]) present.add(c.id);
    }
    assert.ok(acknowledged.length > 0);
    for (const id of acknowledged) assert.ok(present.has(id), `acknowledged connection ${id}`);
  });
});
