import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const clientRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

// The client bundled as a user's bundler would: what it loads at run time, and how much.
describe('the client bundle', { timeout: 30_000 }, () => {
  it("loads only its own files and Node's built-ins, in under 20 kB minified (README: 16.6 kB, 5.2 kB gzipped)", async () => {
    const result = await build({
      entryPoints: [join(clientRoot, 'src', 'index.ts')],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const outside = inputs.filter((file) => !file.includes('packages/client/src/'));
    assert.deepEqual(outside, [], 'nothing of the server or of node_modules');
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    assert.ok(
      imports.every((path) => path.startsWith('node:')),
      `only node: built-ins: ${imports.join(', ')}`,
    );
    const size = result.outputFiles[0]?.contents.length ?? 0;
    assert.ok(size < 20_000, `${size} bytes`);
    assert.ok(gzipSync(result.outputFiles[0]?.contents ?? new Uint8Array()).length < 7_000);
  });

  it('declares no runtime dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(clientRoot, 'package.json'), 'utf8'));
    assert.equal(manifest.dependencies, undefined);
    assert.equal(manifest.peerDependencies, undefined);
  });
});
