/**
 * The console's own routes (`/`, `/console`, `/console/{file}`): what they serve, the headers that
 * keep the pages safe, and that no caller, method or path can make them serve anything else. The
 * browser test (console-browser.test.ts) drives the pages themselves.
 */
import assert from 'node:assert/strict';
import { build } from '../helpers/build.js';
import { clients } from '../helpers/fixtures.js';
import { before, describe, it } from '../helpers/node-test.js';
import { buildCli } from '../helpers/server-process.js';

const OPERATOR = 'console-routes-operator-token';
const env = { MULTIENTITY_OPERATOR_TOKEN: OPERATOR };

function category(body: string): number {
  const envelope = JSON.parse(body) as { success: boolean; reasons: { code: number }[] };
  assert.equal(envelope.success, false);
  return (envelope.reasons[0]?.code ?? 0) % 100;
}

describe('console routes', { timeout: 180_000 }, () => {
  // The console's files come from the build (dist/console).
  before(() => buildCli(), { timeout: 150_000 });

  it('answers / with a landing page linking the console, the docs, the OpenAPI document and health', async (t) => {
    const { app } = await build(t, { env });
    const response = await app.inject({ method: 'GET', url: '/' });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^text\/html; charset=utf-8/);
    for (const href of ['/console', '/docs', '/openapi.json', '/health', '/ready', '/metrics']) {
      assert.ok(response.body.includes(`href="${href}"`), `links ${href}`);
    }
  });

  it('serves /console as a page whose only script is the built bundle, under a strict CSP', async (t) => {
    const { app } = await build(t, { env });
    const response = await app.inject({ method: 'GET', url: '/console' });
    assert.equal(response.statusCode, 200);
    const csp = response.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['x-frame-options'], 'DENY');
    // No inline script: every <script> names a file of this server; no inline style either.
    const scripts = [...response.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]?.[1] ?? '', /src="\/console\/app\.js"/);
    assert.equal(scripts[0]?.[2], '');
    assert.doesNotMatch(response.body, /<style|style="|https?:\/\//);
  });

  it('serves the built script and stylesheet with their types', async (t) => {
    const { app } = await build(t, { env });
    const script = await app.inject({ method: 'GET', url: '/console/app.js' });
    assert.equal(script.statusCode, 200);
    assert.match(script.headers['content-type'] as string, /^text\/javascript/);
    assert.ok(script.body.length > 1000);
    const style = await app.inject({ method: 'GET', url: '/console/app.css' });
    assert.equal(style.statusCode, 200);
    assert.match(style.headers['content-type'] as string, /^text\/css/);
  });

  it('sends /console/ to /console', async (t) => {
    const { app } = await build(t, { env });
    const response = await app.inject({ method: 'GET', url: '/console/' });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/console');
  });

  it('answers 404 with category 40 for any other file, however the path is spelled', async (t) => {
    const { app } = await build(t, { env });
    const paths = [
      '/console/index.html',
      '/console/app.ts',
      '/console/main.tsx',
      '/console/..%2Fpackage.json',
      '/console/%2e%2e%2f%2e%2e%2fpackage.json',
      '/console/..%5C..%5Cpackage.json',
      '/console/app.js%00.css',
      '/console/APP.JS',
      '/console/constructor',
      '/console/__proto__',
      '/console/hasOwnProperty',
      '/console/app.js/',
      '/console/a/b',
      `/console/${'x'.repeat(90)}`,
    ];
    for (const url of paths) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404, url);
      assert.equal(category(response.body), 40, url);
      assert.doesNotMatch(response.body, /"name"\s*:\s*"multientity"/, url);
    }
  });

  it('answers 405 with category 45 to methods other than GET and HEAD', async (t) => {
    const { app } = await build(t, { env });
    for (const url of ['/', '/console', '/console/app.js']) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
        const response = await app.inject({ method, url, payload: { a: 1 } });
        assert.equal(response.statusCode, 405, `${method} ${url}`);
        assert.equal(category(response.body), 45, `${method} ${url}`);
      }
      const head = await app.inject({ method: 'HEAD', url });
      assert.equal(head.statusCode, 200, `HEAD ${url}`);
    }
  });

  it('answers every caller alike: the pages hold no data and no secret, whoever asks', async (t) => {
    const { app } = await build(t, { env });
    const token = (
      await app.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: {
          client_id: clients.euAdmin.id,
          client_secret: clients.euAdmin.secret,
          grant_type: 'client_credentials',
        },
      })
    ).json<{ access_token: string }>().access_token;
    for (const url of ['/', '/console']) {
      const anonymous = await app.inject({ method: 'GET', url });
      for (const authorization of [
        `Bearer ${OPERATOR}`,
        `Bearer ${token}`,
        'Bearer nonsense',
        'Basic Zm9vOmJhcg==',
      ]) {
        const response = await app.inject({ method: 'GET', url, headers: { authorization } });
        assert.equal(response.statusCode, 200, `${url} with ${authorization}`);
        assert.equal(response.body, anonymous.body);
      }
      assert.ok(!anonymous.body.includes(OPERATOR));
      assert.ok(!anonymous.body.includes(clients.euAdmin.secret));
    }
  });

  it('keeps the console out of the OpenAPI document, which describes the API only', async (t) => {
    const { app } = await build(t, { env });
    const paths = Object.keys((await app.inject({ method: 'GET', url: '/openapi.json' })).json().paths);
    assert.ok(paths.length > 0);
    assert.ok(!paths.some((path) => path === '/' || path.startsWith('/console')));
  });
});
