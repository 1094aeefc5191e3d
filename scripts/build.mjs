#!/usr/bin/env node
// `npm run build`: bundles the server and CLI (src/cli/main.ts) with esbuild into dist/cli/main.js,
// which bin/multientity.js runs, plus chunks for code only some commands load (the pg driver), and
// the web console (src/console/main.tsx) into dist/console/app.js and app.css, which the server
// serves at /console (src/http/routes/console.ts), and the test kit (src/testing, the
// `multientity/testing` export) into dist/testing/index.js with its .d.ts. Before that it builds the
// client package (packages/client): its wire types generated from src/contract's TypeBox schemas,
// then compiled by tsc into packages/client/dist with .d.ts files.
//
//   node scripts/build.mjs                  into dist/
//   node scripts/build.mjs --outdir <dir>   elsewhere (the benchmark builds its own copy)
//
// Why a bundle: Node spends most of a start resolving, reading and compiling hundreds of modules
// one by one; one file halves the start-up (docs/PERFORMANCE.md). Type-checking is `npm run
// typecheck`, not this. Kept outside the bundle: better-sqlite3 (a native addon, found by its own
// files) and pg's optional pg-native.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--outdir');
const outdir = resolve(root, at === -1 ? 'dist' : process.argv[at + 1]);

/**
 * Bundled CommonJS files that find their own files by `__dirname` (the /docs page's static files
 * in @fastify/swagger-ui, pino's worker) get the directory of the installed file, found at run time
 * by Node's resolution from the bundle, so they read the same files as unbundled. (A file Node
 * cannot resolve by path, behind its package's "exports", is left as it is.)
 */
const ownDirectory = {
  name: 'own-directory',
  setup(esbuild) {
    const fromBundle = createRequire(join(outdir, 'cli', 'main.js'));
    esbuild.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, (args) => {
      const contents = readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(contents)) return undefined;
      const specifier = args.path.split(`${sep}node_modules${sep}`).at(-1).split(sep).join('/');
      let resolved;
      try {
        resolved = fromBundle.resolve(specifier);
      } catch (error) {
        // A package whose "exports" hide the file (commander, which names __filename in a comment).
        if (error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return undefined;
        throw error;
      }
      if (resolved !== args.path) {
        throw new Error(`${specifier} does not resolve to ${relative(root, args.path)} from ${outdir}`);
      }
      const header = `var __filename = require.resolve(${JSON.stringify(specifier)}), __dirname = __bundleDirname(__filename);`;
      return { contents: `${header}\n${contents}`, loader: 'js' };
    });
  },
};

const tsc = join(root, 'node_modules', '.bin', 'tsc');

/**
 * packages/client: src/contract.generated.ts from the server's TypeBox schemas (the generator is
 * bundled, as plain node cannot import TypeScript), then tsc into packages/client/dist. The
 * generated file is committed; it is rewritten only when the schemas changed it.
 */
async function buildClient() {
  // Outside dist/: builds run concurrently (test files), and each removes what is not its own there.
  const scratch = mkdtempSync(join(tmpdir(), 'multientity-build-'));
  const generator = join(scratch, 'generate-contract.mjs');
  await build({
    absWorkingDir: root,
    entryPoints: ['packages/client/scripts/generate-contract.ts'],
    outfile: generator,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  try {
    const { renderContractTypes } = await import(pathToFileURL(generator).href);
    const target = join(root, 'packages', 'client', 'src', 'contract.generated.ts');
    const text = renderContractTypes();
    let current = null;
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current !== text) writeFileSync(target, text);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  execFileSync(tsc, ['-p', join(root, 'packages', 'client', 'tsconfig.json')], { stdio: 'inherit' });
}

/** dist/testing/index.d.ts: the test kit's declarations, which refer to multientity-client's. */
function buildTestingTypes() {
  const types = mkdtempSync(join(tmpdir(), 'multientity-types-'));
  execFileSync(tsc, ['-p', join(root, 'src', 'testing', 'tsconfig.json'), '--outDir', types], {
    stdio: 'inherit',
  });
  mkdirSync(join(outdir, 'testing'), { recursive: true });
  copyFileSync(join(types, 'src', 'testing', 'index.d.ts'), join(outdir, 'testing', 'index.d.ts'));
  rmSync(types, { recursive: true, force: true });
}

mkdirSync(outdir, { recursive: true });
await buildClient();

const result = await build({
  absWorkingDir: root,
  entryPoints: { 'cli/main': 'src/cli/main.ts', 'testing/index': 'src/testing/index.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  metafile: true,
  chunkNames: 'chunks/[name]-[hash]',
  // multientity-client is the kit's dependency, not bundled: a test's `instanceof NotFoundError`
  // must see the classes of the package it imports.
  external: ['better-sqlite3', 'pg-native', 'multientity-client'],
  // CommonJS packages inside an ES module need `require`.
  banner: {
    js: [
      "import { createRequire as __bundleCreateRequire } from 'node:module';",
      "import { dirname as __bundleDirname } from 'node:path';",
      'const require = __bundleCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  plugins: [ownDirectory],
  logLevel: 'warning',
});

// The console: a browser bundle with Preact and its CSS, no CDN, so it works offline. Fixed file
// names: the server's pages name them, and answers them with no-cache (revalidated by ETag).
const consoleResult = await build({
  absWorkingDir: root,
  entryPoints: { 'console/app': 'src/console/main.tsx' },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
buildTestingTypes();
// Without it, a copy outside the package (the benchmark's) would have Node guess the module type
// by parsing the whole bundle on every start.
writeFileSync(join(outdir, 'package.json'), '{ "type": "module" }\n');

// Files of earlier builds (chunks of other contents, tsc's one file per module) are removed. Files
// are written in place rather than swapped in: test files build concurrently, and their builds of
// the same sources write the same files.
const kept = new Set([
  join(outdir, 'package.json'),
  join(outdir, 'testing', 'index.d.ts'),
  ...[result, consoleResult].flatMap((r) =>
    Object.keys(r.metafile.outputs).map((file) => resolve(root, file)),
  ),
]);
for (const entry of readdirSync(outdir, { recursive: true, withFileTypes: true })) {
  const path = join(entry.parentPath ?? entry.path, entry.name);
  if (entry.isFile() && !kept.has(path)) rmSync(path, { force: true });
}
for (const entry of readdirSync(outdir, { recursive: true, withFileTypes: true }).reverse()) {
  const path = join(entry.parentPath ?? entry.path, entry.name);
  if (entry.isDirectory() && readdirSync(path).length === 0) rmSync(path, { recursive: true, force: true });
}
