import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import semver from 'semver';
import { repoRoot } from '../helpers/server-process.js';

/**
 * `npm install` warns (EBADENGINE) for every installed package whose `engines.node` excludes the
 * running Node. The lockfile records each package's `engines`, so the warning can be predicted here
 * for the Node the README names (package.json's own `engines`) and for the Node running the tests.
 */
interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

/** glibc or musl, as npm tells them apart on Linux (from the process report's header). */
const libc =
  (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    ?.glibcVersionRuntime !== undefined
    ? 'glibc'
    : 'musl';

/** Packages npm installs on this machine: optional ones for another system are skipped, as npm does. */
function installedHere(entry: LockedPackage): boolean {
  // npm's os and cpu lists: names to allow, or `!name` to refuse.
  const allows = (list: string[] | undefined, value: string) =>
    list === undefined ||
    ((list.includes(value) || list.every((item) => item.startsWith('!'))) && !list.includes(`!${value}`));
  return (
    !entry.optional ||
    (allows(entry.os, process.platform) && allows(entry.cpu, process.arch) && allows(entry.libc, libc))
  );
}

function refusing(node: string): string[] {
  return Object.entries(lock.packages).flatMap(([path, entry]) => {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (path === '' || range === undefined || !installedHere(entry)) return [];
    return semver.satisfies(node, range, { includePrerelease: true })
      ? []
      : [`${path}@${entry.version}: node ${range}`];
  });
}

describe('npm install on the README’s Node', () => {
  const oldest = semver.minVersion(root.engines.node)?.version ?? '';

  it(`names the Node the README names (${root.engines.node})`, () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    assert.match(readme, new RegExp(`Node\\.js ${semver.major(oldest)}\\.${semver.minor(oldest)} or newer`));
  });

  it('installs no package whose engines exclude the oldest Node package.json allows', () => {
    assert.deepEqual(refusing(oldest), []);
  });

  it('installs no package whose engines exclude the running Node', () => {
    assert.deepEqual(refusing(process.versions.node), []);
  });
});
