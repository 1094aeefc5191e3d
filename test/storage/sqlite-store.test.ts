import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import {
  CHECKPOINT_CLOSE_TIMEOUT_MS,
  startBackgroundCheckpoints,
} from '../../src/storage/sqlite/background-checkpoints.js';
import { createSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

const at = 1_700_000_000_000;

/** A SQLite store on a file of its own, with one tenant, and the file's path for a second connection. */
async function storeOnFile(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'multientity-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'data.db');
  const store = await createSqliteStore({ path });
  t.after(() => store.close());
  await store.insertTenant({ id: '9001', name: 'Acme', apiVersion: '2024-05-20', createdAt: at });
  return { store, path };
}

describe('SQLite transactions, one at a time on the one connection', () => {
  it('fails loudly, instead of hanging, on a store call that waits for its own open transaction', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'multientity-sqlite-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const store = await createSqliteStore({ path: join(dir, 'data.db'), transactionWaitLimitMs: 300 });
    t.after(() => store.close());

    const started = Date.now();
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.insertTenant({ id: '9002', name: 'Globex', apiVersion: '2024-05-20', createdAt: at });
        // The mistake: the store itself, not `tx`, from inside the transaction's callback.
        return store.findTenant('9002');
      }),
      (error: Error) => error.name === 'TransactionMisuse' && /Use the `tx`/.test(error.message),
    );
    assert.ok(Date.now() - started < 5_000, 'it failed at the wait limit');
    // Rolled back, and the connection serves the next caller.
    assert.equal(await store.findTenant('9002'), undefined);
  });

  it('runs a call made outside a transaction after the open one, without its uncommitted writes', async (t) => {
    const { store } = await storeOnFile(t);
    let reading: Promise<unknown> | undefined;
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.insertTenant({ id: '9003', name: 'Initech', apiVersion: '2024-05-20', createdAt: at });
        // Another request's read, made while this transaction is open: it waits for the end.
        reading = store.findTenant('9003');
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    assert.equal(await reading, undefined);
  });
});

describe('SQLite bearer lookups', () => {
  it('answers a change committed by another connection to the same file at once', async (t) => {
    const { store, path } = await storeOnFile(t);
    const userId = 'a'.repeat(32);
    await store.insertUser({
      id: userId,
      tenantId: '9001',
      username: 'ada',
      homeEntityId: 'd'.repeat(32),
      status: 'Active',
      createdAt: at,
    });
    const clientId = '77777777-7777-4777-8777-777777777777';
    await store.insertClient({
      clientId,
      tenantId: '9001',
      userId,
      secretHash: 'sha256$salt$digest',
      entityIds: [],
      createdAt: at,
    });
    const tokenHash = 'b'.repeat(64);
    await store.insertToken({
      tokenHash,
      jti: 'c'.repeat(32),
      tenantId: '9001',
      clientId,
      userId,
      entityIds: [],
      issuedAt: at,
      expiresAt: at + 1000,
    });
    assert.equal((await store.findBearer(tokenHash))?.user?.status, 'Active');
    assert.equal((await store.findBearer(tokenHash))?.user?.status, 'Active');

    // Another process (a second server, or `multientity` run against the file) deactivates the user.
    const other = new SqliteDatabase(path);
    other.prepare('update users set status = ? where id = ?').run('Inactive', userId);
    other.close();

    assert.equal((await store.findBearer(tokenHash))?.user?.status, 'Inactive');
  });
});

describe('SQLite files', () => {
  it('creates the database, -wal and -shm files readable by their owner only', {
    timeout: 30_000,
  }, async (t) => {
    const previous = process.umask(0o022);
    t.after(() => process.umask(previous));
    const { store, path } = await storeOnFile(t);
    await store.insertTenant({ id: '9002', name: 'Other', apiVersion: '2024-05-20', createdAt: at });
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      assert.equal((statSync(file).mode & 0o777).toString(8), '600', file);
    }
  });
});

describe('the checkpointing thread', () => {
  it('is stopped by close() after it reported an error, within a bounded wait', {
    timeout: 30_000,
  }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'multientity-checkpoint-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'data.db');
    const holder = new SqliteDatabase(path);
    holder.pragma('journal_mode = WAL');
    holder.exec('create table t (x)');
    // Another connection holds the file exclusively: every checkpoint fails with "database is locked".
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec('insert into t values (1)');
    t.after(() => holder.close());
    const errors: string[] = [];
    let failures = 0;
    const checkpoints = startBackgroundCheckpoints(path, () => failures++, {
      intervalMs: 10,
      busyTimeoutMs: 10,
      onError: (message) => errors.push(message),
    });
    for (let i = 0; i < 500 && failures === 0; i++) await sleep(10);
    assert.equal(failures, 1);
    assert.match(errors[0] ?? '', /locked/);
    const started = Date.now();
    await checkpoints.close();
    assert.ok(
      Date.now() - started < CHECKPOINT_CLOSE_TIMEOUT_MS + 1_000,
      `closed in ${Date.now() - started} ms`,
    );
  });
});
