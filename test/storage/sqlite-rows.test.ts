import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

// The SQLite store reads rows as arrays and builds the objects itself (sqlite-store.ts, rawReader).
describe('SQLite rows read as arrays', () => {
  it('still maps every column to its name after another connection drops a column before them', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'multientity-rows-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'data.db');
    const store = await createSqliteStore({ path });
    t.after(() => store.close());
    await store.insertTenant({
      id: '9001',
      name: 'Acme',
      apiVersion: '2024-05-20',
      createdAt: 1_700_000_000_000,
    });
    const before = await store.findTenantState('9001');
    assert.equal(before?.tenantId, '9001');

    // Another connection drops a column from the middle of the table: `select *` now returns one
    // column fewer, and SQLite prepares the store's cached statement again.
    const other = new SqliteDatabase(path);
    other.exec('alter table tenants drop column api_version');
    other.close();

    assert.deepEqual(await store.findTenantState('9001'), before);
  });
});
