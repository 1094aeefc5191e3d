// Loaded by scripts/test.mjs into every test file's process (node --test passes --import on): when
// the file's process exits, one JSON line with its wall time and CPU time is appended to the file
// MULTIENTITY_TEST_TIMINGS names, for the summary scripts/test.mjs prints. Node 20's runner reports
// no duration per file when files run in processes of their own.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';

const out = process.env.MULTIENTITY_TEST_TIMINGS;
// NODE_TEST_CONTEXT is set in the processes of test files only, not in the runner that starts them.
if (out && process.env.NODE_TEST_CONTEXT && process.argv[1]) {
  const file = relative(process.cwd(), process.argv[1]);
  process.once('exit', () => {
    const cpu = process.cpuUsage();
    const line = {
      file,
      // Since the process started: loading TypeScript and imports count, as they do for `npm test`.
      wallMs: Math.round(performance.now()),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  });
}
