import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildCli, freePort, repoRoot, startServer } from '../helpers/server-process.js';

/**
 * The README's shell examples, run as printed against a fresh server. Every ```bash block that
 * calls curl is run, in order, in one bash session (the blocks build on each other: variables,
 * arrays, a helper). A command's expected answer is the README's comment `# → 200 "text"`: the
 * status, then text the body must contain. A command that runs curl must carry one; one that does
 * not must exit 0.
 */

interface ReadmeCommand {
  /** 1-based line of README.md where the command starts. */
  line: number;
  text: string;
  expected?: { status: number; body: string };
}

const EXPECTATION = /#\s*→\s*(\d{3})\s*(.*)$/;

function readmeCommands(markdown: string): ReadmeCommand[] {
  const lines = markdown.split('\n');
  const commands: ReadmeCommand[] = [];
  let inBlock = false;
  let block: { line: number; text: string }[] = [];
  const flush = () => {
    if (block.some((l) => /\bcurl\b/.test(l.text))) {
      let current: { line: number; parts: string[] } | null = null;
      for (const { line, text } of block) {
        if (current === null) {
          if (text.trim() === '' || text.trim().startsWith('#')) continue;
          current = { line, parts: [] };
        }
        current.parts.push(text);
        if (!text.endsWith('\\')) {
          const joined = current.parts.join('\n');
          const match = EXPECTATION.exec(current.parts.at(-1) ?? '');
          commands.push({
            line: current.line,
            text: joined,
            ...(match ? { expected: { status: Number(match[1]), body: (match[2] ?? '').trim() } } : {}),
          });
          current = null;
        }
      }
    }
    block = [];
  };
  lines.forEach((text, i) => {
    if (!inBlock && /^```bash\s*$/.test(text)) inBlock = true;
    else if (inBlock && /^```\s*$/.test(text)) {
      inBlock = false;
      flush();
    } else if (inBlock) block.push({ line: i + 1, text });
  });
  return commands;
}

/**
 * The session: curl wrapped to log each status and body, each command followed by a mark with its
 * exit status. Nothing of a command is changed.
 */
function script(commands: ReadmeCommand[], log: string): string {
  const prelude = [
    `__log='${log}'`,
    'curl() {',
    '  local __out __code',
    `  __out=$(command curl "$@" -w '\\n%{http_code}')`,
    `  __code=\${__out##*$'\\n'}`,
    `  __out=\${__out%$'\\n'*}`,
    `  printf 'CURL %s %s\\n' "$__code" "$(printf '%s' "$__out" | base64 -w0)" >> "$__log"`,
    `  printf '%s' "$__out"`,
    '}',
  ];
  const body = commands.flatMap((command, i) => [command.text, `printf 'MARK ${i} %s\\n' "$?" >> "$__log"`]);
  return `${[...prelude, ...body].join('\n')}\n`;
}

interface Outcome {
  curls: { status: number; body: string }[];
  exitCode: number | null;
}

function parseLog(text: string, count: number): Outcome[] {
  const outcomes: Outcome[] = Array.from({ length: count }, () => ({ curls: [], exitCode: null }));
  let pending: { status: number; body: string }[] = [];
  for (const line of text.split('\n')) {
    const [kind, first = '', second = ''] = line.split(' ');
    if (kind === 'CURL')
      pending.push({ status: Number(first), body: Buffer.from(second, 'base64').toString() });
    else if (kind === 'MARK') {
      const outcome = outcomes[Number(first)];
      if (outcome) outcome.curls = pending;
      if (outcome) outcome.exitCode = Number(second);
      pending = [];
    }
  }
  return outcomes;
}

/** What is wrong with one command's outcome, or null. */
function problem(command: ReadmeCommand, outcome: Outcome): string | null {
  const answers = outcome.curls.map((c) => `${c.status} ${c.body.slice(0, 300)}`).join('\n    ');
  if (outcome.exitCode === null) return 'did not run (the session stopped before it)';
  if (!command.expected) {
    if (outcome.curls.length > 0)
      return `runs curl but the README shows no '# → status' for it:\n    ${answers}`;
    return outcome.exitCode === 0 ? null : `exited ${outcome.exitCode}`;
  }
  if (outcome.curls.length !== 1) return `expected one curl call, ran ${outcome.curls.length}`;
  const [answer] = outcome.curls as [{ status: number; body: string }];
  if (answer.status !== command.expected.status || !answer.body.includes(command.expected.body)) {
    return `expected ${command.expected.status} ${command.expected.body}, got:\n    ${answers}`;
  }
  return outcome.exitCode === 0 ? null : `exited ${outcome.exitCode}`;
}

before(async () => {
  await buildCli();
});

describe("the README's examples", () => {
  it('stays short: under 15 kB, the reference in docs/', () => {
    const size = readFileSync(join(repoRoot, 'README.md')).length;
    assert.ok(size < 15_000, `README.md is ${size} bytes: move reference material into docs/`);
  });

  it('finds the tour: curl commands, each with the answer it expects', () => {
    const commands = readmeCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
    const curls = commands.filter((c) => /\bcurl\b/.test(c.text));
    assert.ok(curls.length >= 20, `only ${curls.length} curl commands found`);
    for (const command of curls) assert.ok(command.expected, `README.md:${command.line} has no '# → status'`);
  });

  it('run as printed, in order, against a fresh server, answer what the README says, and again after its reset', {
    timeout: 240_000,
  }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'multientity-readme-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const db = join(dir, 'data', 'multientity.db');
    // The README's `npx multientity …` reads the same settings as the server: port and database.
    const settings = { MULTIENTITY_PORT: String(port), MULTIENTITY_DB: db };
    await startServer({ env: settings, t });
    const commands = readmeCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
    const env: NodeJS.ProcessEnv = { ...process.env, ...settings };
    for (const name of ['MULTIENTITY_OPERATOR_TOKEN', 'PORT', 'HOST', 'DATABASE_URL']) delete env[name];

    // The tour ends with a reset of the demo tenant and says it then runs again: it is run twice.
    for (const run of ['first', 'second']) {
      const log = join(dir, `${run}.log`);
      const file = join(dir, `${run}.sh`);
      writeFileSync(log, '');
      writeFileSync(file, script(commands, log));
      await promisify(execFile)('bash', [file], { cwd: repoRoot, env, timeout: 100_000 }).catch((error) => {
        assert.fail(`the ${run} session failed: ${(error as Error).message}`);
      });
      const outcomes = parseLog(readFileSync(log, 'utf8'), commands.length);
      const problems = commands.flatMap((command, i) => {
        const found = problem(command, outcomes[i] ?? { curls: [], exitCode: null });
        return found ? [`README.md:${command.line}: ${command.text.split('\n')[0]}\n  ${found}`] : [];
      });
      assert.deepEqual(problems, [], `${run} run:\n${problems.join('\n\n')}`);
    }
  });
});
