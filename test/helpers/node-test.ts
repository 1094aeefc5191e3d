import * as nodeTest from 'node:test';

export { describe, type TestContext } from 'node:test';

/**
 * Every test and hook gets a timeout, so that a hang fails that one test instead of stalling the
 * run. Node 20's `--test-timeout` cannot give it: under `--test` it times a whole file, and given
 * to a file it times each `describe` as a whole too. A test that needs longer says so with its own
 * `timeout`, which wins. MULTIENTITY_TEST_TIMEOUT_MS changes the default (e.g. on a slow machine).
 * A suite that bounds its tests with a `describe` timeout instead imports node:test itself: here
 * each test's own default would win over its suite's.
 */
export const TEST_TIMEOUT_MS = Number(process.env.MULTIENTITY_TEST_TIMEOUT_MS) || 120_000;

type TestFn = nodeTest.TestFn;

export function it(name: string, fn: TestFn): Promise<void>;
export function it(name: string, options: nodeTest.TestOptions, fn: TestFn): Promise<void>;
export function it(name: string, a: nodeTest.TestOptions | TestFn, b?: TestFn): Promise<void> {
  return typeof a === 'function'
    ? nodeTest.it(name, { timeout: TEST_TIMEOUT_MS }, a)
    : nodeTest.it(name, { timeout: TEST_TIMEOUT_MS, ...a }, b);
}

export const test = it;

const hook =
  (register: (fn: nodeTest.HookFn, options?: nodeTest.HookOptions) => void) =>
  (fn: nodeTest.HookFn, options?: nodeTest.HookOptions): void => {
    register(fn, { timeout: TEST_TIMEOUT_MS, ...options });
  };

export const before = hook(nodeTest.before);
export const after = hook(nodeTest.after);
export const beforeEach = hook(nodeTest.beforeEach);
export const afterEach = hook(nodeTest.afterEach);
