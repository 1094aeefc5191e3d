import assert from 'node:assert/strict';
import { build } from '../helpers/build.js';
import type { TestContext } from '../helpers/node-test.js';
import { describe, it } from '../helpers/node-test.js';

const OPERATOR_TOKEN = 'test-operator-token-0123456789';

describe('operator token guard', () => {
  async function appWithProbe(t: TestContext, env: NodeJS.ProcessEnv) {
    const { app } = await build(t, { env });
    // Any route under /admin/ is guarded, whoever registers it.
    app.get('/admin/v1/probe', async () => ({ ok: true }));
    return app;
  }

  it('answers 401 with category 11 when no bearer token is given', async (t) => {
    const app = await appWithProbe(t, { MULTIENTITY_OPERATOR_TOKEN: OPERATOR_TOKEN });
    const response = await app.inject({ method: 'GET', url: '/admin/v1/probe' });
    assert.equal(response.statusCode, 401);
    assert.equal(response.json().reasons[0].code, 90000011);
    assert.equal(response.headers['www-authenticate'], 'Bearer');
  });

  it('answers 403 with category 10 for a bearer token that is not the operator token', async (t) => {
    const app = await appWithProbe(t, { MULTIENTITY_OPERATOR_TOKEN: OPERATOR_TOKEN });
    const response = await app.inject({
      method: 'GET',
      url: '/admin/v1/probe',
      headers: { authorization: 'Bearer not-the-operator-token' },
    });
    assert.equal(response.statusCode, 403);
    assert.equal(response.json().reasons[0].code, 50000010);
    assert.equal(response.json().success, false);
  });

  it('lets the operator token through', async (t) => {
    const app = await appWithProbe(t, { MULTIENTITY_OPERATOR_TOKEN: OPERATOR_TOKEN });
    const response = await app.inject({
      method: 'GET',
      url: '/admin/v1/probe',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { ok: true });
  });

  it('keeps the admin API closed (403) when no operator token is configured', async (t) => {
    const app = await appWithProbe(t, {});
    const response = await app.inject({
      method: 'GET',
      url: '/admin/v1/probe',
      headers: { authorization: 'Bearer anything-at-all-here' },
    });
    assert.equal(response.statusCode, 403);
  });
});
