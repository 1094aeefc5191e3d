import assert from 'node:assert/strict';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tenant } from '../../src/domain/model.js';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

const tenant = (i: number): Tenant => ({
  id: String(9000 + i),
  name: `Tenant ${i}`,
  apiVersion: '2024-05-20',
  createdAt: Date.UTC(2026, 10, 30),
});

function tempDatabase(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'multientity-durability-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'data.db');
}

/**
 * Counts the real fdatasync calls (each still reaches the disk) and when each one started and
 * finished, so that a test can tell which commits an fsync covered.
 */
function watchFdatasync(t: TestContext) {
  const real = fs.fdatasync;
  const watch = { started: 0, finished: 0 };
  fs.fdatasync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    const id = ++watch.started;
    real(fd, (error) => {
      watch.finished = Math.max(watch.finished, id);
      callback(error);
    });
  }) as typeof fs.fdatasync;
  syncBuiltinESMExports();
  t.after(() => {
    fs.fdatasync = real;
    syncBuiltinESMExports();
  });
  return watch;
}

describe('SQLite durability levels', () => {
  it('at full, answers flush() only after an fdatasync that started after the caller’s commit, one fdatasync for many commits', async (t) => {
    const path = tempDatabase(t);
    const watch = watchFdatasync(t);
    const store = await createSqliteStore({ path, durability: 'full' });
    const writers = Array.from({ length: 32 }, async (_, i) => {
      await store.transaction((tx) => tx.insertTenant(tenant(i)));
      const startedBeforeCommitReturned = watch.started;
      await store.flush();
      // Some fdatasync that began after this commit has finished.
      assert.ok(watch.finished > startedBeforeCommitReturned);
    });
    await Promise.all(writers);
    assert.ok(watch.started >= 1);
    assert.ok(watch.started < 32, `${watch.started} fdatasyncs for 32 commits`);
    await store.close();

    const reopened = await createSqliteStore({ path, durability: 'full' });
    t.after(() => reopened.close());
    assert.equal((await reopened.listTenants()).length, 32);
  });

  it('at full, flush() after reads only does not wait for a disk write', async (t) => {
    const path = tempDatabase(t);
    const store = await createSqliteStore({ path, durability: 'full' });
    t.after(() => store.close());
    await store.transaction((tx) => tx.insertTenant(tenant(1)));
    await store.flush();
    const watch = watchFdatasync(t);
    await store.findTenant(tenant(1).id);
    await store.flush();
    assert.equal(watch.started, 0);
  });

  it('at process, flush() never calls fdatasync: a commit survives a crash of the server, not a power loss', async (t) => {
    const path = tempDatabase(t);
    const watch = watchFdatasync(t);
    const store = await createSqliteStore({ path, durability: 'process' });
    t.after(() => store.close());
    await store.transaction((tx) => tx.insertTenant(tenant(1)));
    await store.flush();
    assert.equal(watch.started, 0);
  });

  it('copies committed pages into the database file from its own thread, not in the commits, and keeps them across a reopen', async (t) => {
    const path = tempDatabase(t);
    const store = await createSqliteStore({ path });
    const before = fs.statSync(path).size;
    // Fewer WAL pages than the 1,000 at which SQLite's own commits would checkpoint (its default).
    for (let i = 0; i < 150; i++) {
      await store.transaction(async (tx) => {
        for (let j = 0; j < 5; j++) await tx.insertTenant({ ...tenant(i * 5 + j), name: 'x'.repeat(600) });
      });
    }
    // The WAL holds the pages until a checkpoint copies them; the thread does so every 100 ms.
    const deadline = Date.now() + 5_000;
    while (fs.statSync(path).size <= before + 250_000 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(
      fs.statSync(path).size > before + 250_000,
      `database file still ${fs.statSync(path).size} bytes`,
    );
    await store.close();
    // The last connection to close removes the WAL: nothing is left only there.
    assert.equal(fs.existsSync(`${path}-wal`), false);
    const reopened = await createSqliteStore({ path });
    t.after(() => reopened.close());
    assert.equal((await reopened.listTenants()).length, 750);
  });
});
