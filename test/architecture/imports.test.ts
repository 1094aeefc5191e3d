import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from '../helpers/node-test.js';

/**
 * The layers' import rules (docs/ARCHITECTURE.md), checked on the source itself: every relative
 * import of every TypeScript file, type-only imports included (a type import still couples the
 * layers), read with a regular expression rather than a dependency tool, since the tools read
 * TypeScript through the compiler API that TypeScript 7 no longer has.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sourceFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory())
      return name === 'node_modules' || name === 'dist' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*\s{},$]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The specifiers a file imports, as written. */
function specifiers(text: string): string[] {
  // Comments may quote imports (`import('…')` in prose); they are not edges.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...code.matchAll(IMPORT)].map((m) => (m[1] ?? m[2]) as string);
}

/** A relative specifier as the repository path of the file it names (`./x.js` is `x.ts`). */
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate);
  }
  return relative(root, base);
}

interface ImportGraph {
  edges: Map<string, string[]>;
  /** Bare specifiers (packages) by file. */
  packages: Map<string, string[]>;
}

function importGraph(files: string[]): ImportGraph {
  const edges = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of files) {
    const found = specifiers(readFileSync(file, 'utf8'));
    const key = relative(root, file);
    edges.set(
      key,
      found.flatMap((s) => resolveImport(file, s) ?? []),
    );
    packages.set(
      key,
      found.filter((s) => !s.startsWith('.')),
    );
  }
  return { edges, packages };
}

/** Every cycle's files (Tarjan's strongly connected components of more than one file, or a self-import). */
function cycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next)) continue;
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, indexOf.get(next) as number));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

/** Edges from files under `from` to files under any of `to`. */
function crossing(graph: ImportGraph, from: string, to: (target: string) => boolean): string[] {
  return [...graph.edges].flatMap(([file, targets]) =>
    file.startsWith(from) ? targets.filter(to).map((target) => `${file} -> ${target}`) : [],
  );
}

const graph = importGraph([...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'packages'))]);

describe('the layers', { timeout: 30_000 }, () => {
  it('has no import cycle', () => {
    assert.deepEqual(cycles(graph.edges), []);
  });

  it('keeps domain/ to domain/ and contract/, with no framework or driver', () => {
    assert.deepEqual(
      crossing(graph, 'src/domain/', (t) => !t.startsWith('src/domain/') && !t.startsWith('src/contract/')),
      [],
    );
    const drivers = /^(fastify|@fastify\/|better-sqlite3|pg|kysely)($|\/)/;
    const used = [...graph.packages].flatMap(([file, names]) =>
      file.startsWith('src/domain/')
        ? names.filter((n) => drivers.test(n)).map((n) => `${file} -> ${n}`)
        : [],
    );
    assert.deepEqual(used, []);
  });

  it('keeps http/ off storage/ and the drivers', () => {
    assert.deepEqual(
      crossing(graph, 'src/http/', (t) => t.startsWith('src/storage/')),
      [],
    );
    const drivers = /^(better-sqlite3|pg|kysely)($|\/)/;
    const used = [...graph.packages].flatMap(([file, names]) =>
      file.startsWith('src/http/') ? names.filter((n) => drivers.test(n)).map((n) => `${file} -> ${n}`) : [],
    );
    assert.deepEqual(used, []);
  });

  // A step of the request pipeline hands what it learns to later ones through the request's state
  // (http/request-state.ts), in the order http/pipeline.ts lists them, not through another's exports.
  it('keeps each module of http/plugins/ from importing another', () => {
    assert.deepEqual(
      crossing(graph, 'src/http/plugins/', (t) => t.startsWith('src/http/plugins/')),
      [],
    );
  });

  // The client's shipped code; its own tests may use the test kit (src/testing).
  it('lets packages/client/src import only src/contract and Node, no package', () => {
    assert.deepEqual(
      crossing(
        graph,
        'packages/client/src/',
        (t) => !t.startsWith('packages/client/') && !t.startsWith('src/contract/'),
      ),
      [],
    );
    const runtime = [...graph.packages].flatMap(([file, names]) =>
      file.startsWith('packages/client/src/')
        ? names.filter((n) => !n.startsWith('node:')).map((n) => `${file} -> ${n}`)
        : [],
    );
    assert.deepEqual(runtime, []);
  });
});

describe('the import check itself', { timeout: 10_000 }, () => {
  it('finds a cycle of two files and one of three, and none in a chain', () => {
    const edges = new Map([
      ['a', ['b']],
      ['b', ['a']],
      ['c', ['d']],
      ['d', ['e']],
      ['e', ['c']],
      ['f', ['g']],
      ['g', []],
    ]);
    assert.deepEqual(cycles(edges), [
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
  });

  it('reads static, type-only, re-exported and dynamic imports, and not those in comments', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export type { D } from './d.js';",
      "import './side-effect.js';",
      "const e = await import('./e.js');",
      "// import { f } from './f.js';",
      "/* import('./g.js') */",
      "import {\n  h,\n  type H,\n} from './h.js';",
    ].join('\n');
    assert.deepEqual(specifiers(text), [
      './a.js',
      '../b.js',
      './c.js',
      './d.js',
      './side-effect.js',
      './e.js',
      './h.js',
    ]);
  });
});
