import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TurnDestination } from '../../src/cli/log-destination.js';
import { describe, it, type TestContext } from '../helpers/node-test.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

function tempFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'multientity-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'out.log');
}

describe('the log destination of serve', () => {
  it('writes every line in the order logged, across turns and writes under way, and flush calls back once they are written', async (t) => {
    const file = tempFile(t);
    const fd = openSync(file, 'w');
    t.after(() => closeSync(fd));
    const destination = new TurnDestination(fd);
    const expected: string[] = [];
    // Turns of 1 to 400 lines, some while the previous write is still under way.
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i <= (round * 37) % 400; i++) {
        const line = `${JSON.stringify({ round, i, msg: 'request completed', pad: 'x'.repeat(i % 97) })}\n`;
        destination.write(line);
        expected.push(line);
      }
      if (round % 3 === 0) await turn();
    }
    const flushed = await new Promise<Error | undefined>((resolve) => destination.flush(resolve));
    assert.equal(flushed, undefined);
    assert.equal(readFileSync(file, 'utf8'), expected.join(''));
  });

  it('writes the lines it still holds when the process exits before they were written', () => {
    const module = pathToFileURL(join(import.meta.dirname, '../../src/cli/log-destination.ts')).href;
    const script = [
      `const { TurnDestination } = await import(${JSON.stringify(module)});`,
      'const destination = new TurnDestination(1);',
      "for (let i = 0; i < 2000; i++) destination.write('line ' + i + '\\n');",
      'process.exit(3);',
    ].join('\n');
    let stdout = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      assert.fail('the script exits 3');
    } catch (error) {
      const { status, stdout: out } = error as { status: number; stdout: string };
      assert.equal(status, 3);
      stdout = out;
    }
    assert.equal(stdout, Array.from({ length: 2000 }, (_, i) => `line ${i}\n`).join(''));
  });

  it('drops the lines it cannot write, says so once on stderr, and goes on', async (t) => {
    const file = tempFile(t);
    closeSync(openSync(file, 'w'));
    const readOnly = openSync(file, 'r');
    t.after(() => closeSync(readOnly));
    const destination = new TurnDestination(readOnly);
    const said: string[] = [];
    t.mock.method(process.stderr, 'write', (text: string) => said.push(text) > 0);
    destination.write('lost 1\n');
    await turn();
    destination.write('lost 2\n');
    const flushed = await new Promise<Error | undefined>((resolve) => destination.flush(resolve));
    assert.equal((flushed as NodeJS.ErrnoException | undefined)?.code, 'EBADF');
    assert.equal(said.length, 1);
    assert.match(said[0] ?? '', /^log lines could not be written to stdout: EBADF/);
    assert.equal(readFileSync(file, 'utf8'), '');
  });
});
