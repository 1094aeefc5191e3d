import assert from 'node:assert/strict';
import { ByteRing, createJournal, type JournalRecord } from '../../src/domain/journal.js';
import { describe, it } from '../helpers/node-test.js';

function record(n: number, responseText?: string, body: unknown = null): JournalRecord {
  return {
    at: new Date(n * 1000).toISOString(),
    method: 'GET',
    url: `/v1/entities?n=${n}`,
    headers: { host: 'localhost' },
    body,
    status: 200,
    ...(responseText === undefined ? { response: null } : { responseText }),
    durationMs: 1.5,
    requestId: `r${n}`,
    trackId: null,
  };
}

describe('journal byte ring', () => {
  it('keeps the newest entries, within both the count and the byte bound, whatever their sizes', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const ring = new ByteRing(50, 4096);
    const pushed: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const text = `${i}:${'x'.repeat(Math.floor(random() * 300))}`;
      assert.equal(
        ring.push(text.length, (buffer, offset) => buffer.write(text, offset, 'latin1')),
        true,
      );
      pushed.push(text);
      const kept = [...ring.newestFirst()].map((b) => b.toString('latin1'));
      // Newest first, consecutive, ending with the one just pushed.
      assert.deepEqual(kept, pushed.slice(pushed.length - kept.length).reverse());
      assert.ok(kept.length <= 50);
      assert.ok(ring.bytes <= 4096 + 50 * 8);
      // Only what cannot fit is dropped: the next older entry would not have fitted beside them.
      const older = pushed[pushed.length - kept.length - 1];
      if (older !== undefined && kept.length < 50) {
        const bytes = kept.reduce((sum, k) => sum + k.length, 0);
        assert.ok(bytes + older.length > 4096 / 2, `${kept.length} entries, ${bytes} bytes kept`);
      }
    }
  });

  it('refuses an entry larger than the ring', () => {
    const ring = new ByteRing(10, 100);
    assert.equal(
      ring.push(101, () => {}),
      false,
    );
    assert.equal(ring.entries, 0);
  });
});

describe('journal', () => {
  it('keeps the last `size` entries of each tenant, newest first', () => {
    const journal = createJournal({ size: 3 });
    for (let n = 1; n <= 5; n++) journal.record('t1', record(n, `{"n":${n}}`));
    journal.record('t2', record(9));
    assert.deepEqual(
      journal.list('t1').map((e) => [e.requestId, e.response]),
      [
        ['r5', { n: 5 }],
        ['r4', { n: 4 }],
        ['r3', { n: 3 }],
      ],
    );
    assert.deepEqual(journal.list('t2')[0], { ...record(9), response: null });
    journal.clear('t1');
    assert.deepEqual(journal.list('t1'), []);
  });

  it('shows a response text that is not JSON as text, and masks a bearer token in one that is', () => {
    const journal = createJournal({ size: 10 });
    journal.record('t', record(1, 'plain text'));
    journal.record('t', record(2, '{"access_token":"abcdefghijklmnopqrstuvwxyz"}'));
    const [token, plain] = journal.list('t');
    assert.equal(plain?.response, 'plain text');
    assert.deepEqual(token?.response, { access_token: 'abcd****' });
  });

  it('holds at most maxBytes per tenant: older entries go first, an entry too large for all of it loses its bodies', () => {
    const journal = createJournal({ size: 1000, maxBytes: 64 * 1024 });
    const page = JSON.stringify({ data: 'y'.repeat(8000) });
    for (let n = 0; n < 100; n++) journal.record('t', record(n, page));
    const kept = journal.list('t', { limit: 1000 });
    assert.ok(kept.length >= 4 && kept.length < 8, `${kept.length} entries of 8 kB in 64 kB`);
    assert.equal(kept[0]?.requestId, 'r99');
    journal.record('t', record(100, JSON.stringify({ data: 'z'.repeat(70_000) }), { big: 'b'.repeat(10) }));
    const [big] = journal.list('t', { limit: 1 });
    assert.equal(big?.requestId, 'r100');
    assert.equal(big?.response, '[not kept: too large]');
    assert.equal(big?.body, '[not kept: too large]');
  });

  it('holds at most totalBytes for all tenants, forgetting the journals recorded in least recently', () => {
    const journal = createJournal({ size: 1000, maxBytes: 64 * 1024, totalBytes: 256 * 1024 });
    const page = JSON.stringify({ data: 'y'.repeat(4000) });
    for (let round = 0; round < 50; round++) {
      for (let tenant = 0; tenant < 10; tenant++) {
        journal.record(`t${tenant}`, record(round, page));
        assert.ok(journal.heldBytes() <= 256 * 1024, `${journal.heldBytes()} bytes held`);
      }
    }
    // The tenant just recorded in keeps its journal; those idle longest lost theirs.
    assert.equal(journal.list('t9', { limit: 1 })[0]?.requestId, 'r49');
    assert.deepEqual(journal.list('t0'), []);
    for (let n = 0; n < 100; n++) journal.record('t0', record(n, page));
    assert.ok(journal.list('t0', { limit: 1000 }).length >= 10);
    assert.ok(journal.heldBytes() <= 256 * 1024);
    journal.clear('t0');
    assert.ok(journal.heldBytes() <= 192 * 1024);
  });
});
