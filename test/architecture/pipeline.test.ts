import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PHASES, type Pipeline, requestPipeline } from '../../src/http/pipeline.js';
import { createMetrics } from '../../src/http/plugins/metrics.js';
import { build } from '../helpers/build.js';
import { after, before, describe, it } from '../helpers/node-test.js';

/**
 * The request pipeline is one list (src/http/pipeline.ts, docs/ARCHITECTURE.md): these check that
 * the list is the order the app runs, and that what a step reads is left by a step before it.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The hook names Fastify reports for each route, by phase: `• (onSend) ["a()","b()"]` lines. */
function hooksByRoute(printed: string): Map<string, string[]>[] {
  const routes: Map<string, string[]>[] = [];
  let current: Map<string, string[]> | undefined;
  for (const line of printed.split('\n')) {
    const hook = /• \((\w+)\) (\[.*\])$/.exec(line);
    if (!hook) {
      current = undefined;
      continue;
    }
    if (!current) {
      current = new Map();
      routes.push(current);
    }
    const names = (JSON.parse(hook[2] as string) as string[]).map((name) => name.replace(/\(\)$/, ''));
    current.set(hook[1] as string, names);
  }
  return routes;
}

describe('the request pipeline', () => {
  let pipeline: Pipeline;
  let printed: string;
  let close: () => Promise<void>;

  before(async () => {
    const { app, store, services } = await build(undefined);
    close = async () => {
      await app.close();
      await store.close();
    };
    pipeline = requestPipeline({
      services,
      config: { bodyLimit: 1024 },
      metrics: createMetrics(services.database),
    });
    await app.ready();
    printed = app.printRoutes({ includeHooks: true, commonPrefix: false });
  });
  after(() => close());

  it('lists its steps in the order of their phases', () => {
    const order = pipeline.steps.map((step) => PHASES.indexOf(step.phase));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
    );
  });

  it("has each step read only the request's state that a step before it leaves", () => {
    const left = new Set<string>();
    const early: string[] = [];
    for (const step of pipeline.steps) {
      for (const fact of step.reads) {
        if (fact === 'headers' || fact === 'body' || fact === 'route') continue;
        if (!left.has(fact)) early.push(`${step.name} reads ${fact}`);
      }
      for (const fact of step.leaves) left.add(fact);
    }
    assert.deepEqual(early, []);
  });

  it('runs, on every route, its hooks in the order listed and before any route-level hook', () => {
    const routes = hooksByRoute(printed);
    assert.ok(routes.length > 20, 'printRoutes lists the routes with their hooks');
    for (const phase of ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'onSend', 'onResponse']) {
      const listed = pipeline.steps.flatMap((step) =>
        step.phase === phase && step.run && step.enabled !== false ? [step.run.name] : [],
      );
      assert.ok(listed.length > 0, phase);
      for (const hooks of routes) assert.deepEqual(hooks.get(phase)?.slice(0, listed.length), listed, phase);
    }
  });

  it('is the only place in src/http that adds a request hook', () => {
    const hook =
      /\.addHook\(\s*['"](onRequest|preParsing|preValidation|preHandler|preSerialization|onSend|onResponse|onError|onTimeout|onRequestAbort)['"]/;
    const adding = sourceFiles(join(root, 'src', 'http'))
      .filter((file) => hook.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    assert.deepEqual(adding, ['src/http/pipeline.ts']);
  });
});
