// The runner process scripts/test.mjs starts: node:test's run() on the files in the order given.
// `node --test FILES` sorts its files by path, so that the slowest could not be started first.
// scripts/test.mjs passes --import tsx and the timing hook to this process; run() passes them on to
// each file's process, as `node --test` does.
//
//   node --import tsx scripts/test-runner.mjs CONCURRENCY FILE_TIMEOUT_MS FILE...
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';

const [concurrency, timeout, ...files] = process.argv.slice(2);
const stream = run({ files, concurrency: Number(concurrency), timeout: Number(timeout) });
// As `node --test` does: exit code 1 when a test fails (a todo test's failure does not count).
stream.on('test:fail', (data) => {
  if (!data.todo) process.exitCode = 1;
});
// As `node --test` does: spec on a terminal, TAP (which CI reads) otherwise.
stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout);
