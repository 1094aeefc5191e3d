import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildCli, repoRoot } from '../helpers/server-process.js';

// The kit in a second test runner: vitest runs test/testing/vitest/kit.spec.ts in a child process,
// and its result counts here, where CI reads node's runner summary.
describe('multientity/testing in vitest', { timeout: 120_000 }, () => {
  before(buildCli, { timeout: 120_000 });

  it('passes the vitest suite against the built kit', async () => {
    const vitest = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [vitest, 'run', '--root', repoRoot, '--reporter=verbose', 'test/testing/vitest/kit.spec.ts'],
      { cwd: repoRoot, timeout: 90_000, env: { ...process.env, CI: '1', NO_COLOR: '1' } },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`vitest failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    });
    assert.match(stdout, /Tests\s+1 passed/);
  });
});
