// The writes of an idempotent POST replayed straight on better-sqlite3, with SQLite's checkpoints
// in the commits (its default), on a thread (what the server does), and never (the floor); and, with
// checkpoints on a thread, the claim, the handler's writes and the stored response in one
// transaction instead of three (what folding idempotency into the handler's transaction would save):
//   node --import tsx bench/checkpoints.ts [requests] [rounds]
// Prints µs a request for each, best of the rounds (docs/PERFORMANCE.md "Checkpoints off the event loop").
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { startBackgroundCheckpoints } from '../src/storage/sqlite/background-checkpoints.js';
import { createSqliteStore } from '../src/storage/sqlite/sqlite-store.js';

const requests = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 3);
const work = mkdtempSync(join(tmpdir(), 'multientity-checkpoints-'));
const template = join(work, 'template.db');
await (await createSqliteStore({ path: template })).close();
{
  // One tenant of 512 entities: the connections' foreign keys are checked, as in the server.
  const db = new SqliteDatabase(template);
  db.prepare(
    "insert into tenants (id, name, api_version, created_at) values ('1', 'Bench', '2024-05-20', 0)",
  ).run();
  const entity = db.prepare(
    "insert into entities (id, tenant_id, name, display_name, locale, timezone, status, created_at) values (?, '1', ?, ?, 'en_US', 'UTC', 'Provisioned', 0)",
  );
  for (let e = 0; e < 512; e++) entity.run(`e${e}`, `E${e}`, `E${e}`);
  db.close();
}

type Mode = 'in commits' | 'on a thread' | 'never' | 'one transaction';

async function run(mode: Mode, round: number): Promise<number> {
  const path = join(work, `${round}-${mode.replace(/ /g, '-')}.db`);
  copyFileSync(template, path);
  const db = new SqliteDatabase(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const threaded = mode === 'on a thread' || mode === 'one transaction';
  const thread = threaded ? startBackgroundCheckpoints(path, () => {}) : null;
  if (threaded) db.pragma('wal_autocheckpoint = 16000');
  if (mode === 'never') db.pragma('wal_autocheckpoint = 0');
  const claim = db.prepare(
    'insert into idempotency_keys (tenant_id, client_id, key, method, url, body_hash, state, locked_until, created_at, expires_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const complete = db.prepare(
    'update idempotency_keys set state = ?, response_status = ?, response_body = ? where tenant_id = ? and client_id = ? and key = ?',
  );
  const open = db.prepare(
    "select * from entity_connections where tenant_id = ? and source_entity_id = ? and target_entity_id = ? and status in ('Pending', 'Connected')",
  );
  const connection = db.prepare(
    'insert into entity_connections (id, tenant_id, source_entity_id, target_entity_id, status, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)',
  );
  const audit = db.prepare(
    'insert into audit_events (id, tenant_id, at, user_id, client_id, entity_id, action, resource_type, resource_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const hex = () => randomBytes(16).toString('hex');
  const started = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) {
    const key = hex();
    // Every ordered pair once before any repeats, as in the benchmark's scenario 2.
    const source = `e${i % 512}`;
    const target = `e${((i % 512) + 1 + (Math.floor(i / 512) % 511)) % 512}`;
    const claimKey = () =>
      claim.run(
        '1',
        'c',
        key,
        'POST',
        '/v1/entity-connections',
        'h',
        'running',
        i + 30_000,
        i,
        i + 86_400_000,
      );
    const handle = () => {
      open.all('1', source, target);
      connection.run(hex(), '1', source, target, 'Pending', i, i);
      audit.run(hex(), '1', i, 'u', 'c', source, 'connection.request', 'connection', key);
    };
    const store = () => complete.run('done', 200, '{"status":"Pending"}', '1', 'c', key);
    if (mode === 'one transaction') {
      db.transaction(() => {
        claimKey();
        handle();
        store();
      })();
    } else {
      claimKey();
      db.transaction(handle)();
      store();
    }
  }
  const us = Number(process.hrtime.bigint() - started) / requests / 1000;
  await thread?.close();
  db.close();
  return us;
}

const best = new Map<Mode, number>();
for (let round = 0; round < rounds; round++) {
  for (const mode of ['in commits', 'on a thread', 'never', 'one transaction'] as Mode[]) {
    const us = await run(mode, round);
    best.set(mode, Math.min(best.get(mode) ?? Number.POSITIVE_INFINITY, us));
  }
}
for (const [mode, us] of best)
  console.log(
    `${mode === 'one transaction' ? 'one transaction, checkpoints on a thread' : `checkpoints ${mode}`}: ${us.toFixed(0)} µs a request`,
  );
rmSync(work, { recursive: true, force: true });
