// The statements one request sends to PostgreSQL, in order: each is a round trip (node-postgres
// sends the next only when the last is answered). Issue 16 counts them for the fresh-key
// `POST /v1/entity-connections` (docs/PERFORMANCE.md, "Round trips of the fresh-key POST").
//
//   node --import tsx bench/round-trips.ts            a throwaway cluster of its own
//   node --import tsx bench/round-trips.ts <pg-url>   that server (a database of its own is made)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresBin, startCluster } from '../scripts/postgres-cluster.mjs';
import { loadConfig } from '../src/config.js';
import { loadFixture } from '../src/domain/fixture-loader.js';
import { buildApp } from '../src/http/app.js';
import { createServices } from '../src/services.js';
import { createPostgresStore } from '../src/storage/postgres/postgres-store.js';
import { acmeFixture, clients, ids } from '../test/helpers/fixtures.js';
import { tokenFor } from '../test/helpers/http.js';

let log: string[] | null = null;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const [first] = args;
  const text = typeof first === 'string' ? first : (first as { name?: string; text?: string }).text;
  const name = typeof first === 'object' ? (first as { name?: string }).name : undefined;
  log?.push(name ?? (text ?? '').replace(/\s+/g, ' ').slice(0, 110));
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

async function main(): Promise<void> {
  const cluster = process.argv[2] ? null : await startCluster(postgresBin() as string, {});
  const base = new URL(process.argv[2] ?? (cluster as { url: string }).url);
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  const database = `rt_${randomBytes(6).toString('hex')}`;
  await admin.query(`create database ${database}`);
  base.pathname = `/${database}`;
  try {
    const config = loadConfig({}, { db: ':memory:' });
    const store = await createPostgresStore({ url: base.toString() });
    const services = createServices({ store, config });
    await loadFixture(store, services.clock, acmeFixture());
    const app = await buildApp({ services, config });
    const headers = {
      authorization: `Bearer ${await tokenFor(app, clients.globalAdmin)}`,
      'zuora-entity-ids': ids.global,
    };
    const post = (target: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/entity-connections',
        headers: { ...headers, 'idempotency-key': randomBytes(8).toString('hex') },
        payload: { targetEntityId: target },
      });
    // The first request of a token warms what is kept per process (statements, caches).
    await post(ids.us);
    log = [];
    const res = await post(ids.eu);
    const sent = log;
    log = null;
    process.stdout.write(`fresh-key POST: ${res.statusCode}, ${sent.length} round trips\n`);
    sent.forEach((line, i) => {
      process.stdout.write(`${String(i + 1).padStart(3)}. ${line}\n`);
    });
    await app.close();
    await store.close();
  } finally {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
    cluster?.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
