// The thin comparator (bench/comparator.ts) in a process of its own, as `npm run bench` runs it:
//   node --import tsx bench/comparator-server.ts --db <sqlite file | postgres://…> [--pool-size 10]
// Prints `comparator listening on <url>` once it listens; SIGTERM closes it.
import { buildComparator } from './comparator.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const db = option('--db');
if (!db) {
  process.stderr.write('usage: comparator-server.ts --db <sqlite file | postgres://…> [--pool-size N]\n');
  process.exit(2);
}
const app = await buildComparator({ db, poolSize: Number(option('--pool-size') ?? 10) });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`comparator listening on ${address}\n`);
process.once('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
