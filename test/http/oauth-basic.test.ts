import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { type AcmeFixture, appPerSuite } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import type { AcmeClients } from '../helpers/fixtures.js';
import { describe, it } from '../helpers/node-test.js';
import { listen } from './wire.js';

/** A secret with every character RFC 6749 2.3.1's form-urlencoding changes: colon, plus, percent, space, non-ASCII. */
const ODD_SECRET = 'a:b+c%20d e/é=f&g-0123456789';

/** The Acme fixture, with the global administrator's client secret replaced by ODD_SECRET. */
function withOddSecret(fixture: AcmeFixture): void {
  const admin = fixture.tenants[0]?.users.find((user) => user.username === 'admin@acme.test') as
    | { clients: { clientSecret: string }[] }
    | undefined;
  const client = admin?.clients[0];
  assert.ok(client);
  client.clientSecret = ODD_SECRET;
}

/** RFC 6749 2.3.1: each part form-urlencoded, then base64 of id:secret. */
function basic(id: string, secret: string): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

for (const database of testDatabases) {
  describe(`${database.name}: POST /oauth/token with client authentication by HTTP Basic`, () => {
    const suite = appPerSuite({ database });

    it('issues a working token to oauth4webapi authenticating with client_secret_basic, a secret of odd characters included', {
      timeout: 30_000,
    }, async () => {
      const { app, ids, clients } = await suite.acme(withOddSecret);
      const base = `http://127.0.0.1:${await listen(app)}`;
      const as: oauth.AuthorizationServer = { issuer: base, token_endpoint: `${base}/oauth/token` };
      const client: oauth.Client = { client_id: clients.globalAdmin.id };
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(ODD_SECRET),
        new URLSearchParams(),
        { [oauth.allowInsecureRequests]: true },
      );
      const token = await oauth.processClientCredentialsResponse(as, client, response);
      assert.equal(token.token_type, 'bearer');
      assert.equal(token.expires_in, 3599);
      const entities = await app.inject({
        method: 'GET',
        url: '/v1/entities',
        headers: { authorization: `Bearer ${token.access_token}`, 'zuora-entity-ids': ids.global },
      });
      assert.equal(entities.statusCode, 200, entities.body);
    });

    it('accepts the same client in the header and in the form', { timeout: 30_000 }, async () => {
      const { app, clients } = await suite.acme();
      const { id, secret } = clients.usAdmin;
      const res = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { ...FORM, authorization: basic(id, secret) },
        payload: new URLSearchParams({
          client_id: id,
          client_secret: secret,
          grant_type: 'client_credentials',
        }).toString(),
      });
      assert.equal(res.statusCode, 200, res.body);
    });

    for (const [field, formOf] of [
      ['client_id', (clients: AcmeClients) => ({ client_id: clients.euAdmin.id })],
      ['client_secret', () => ({ client_secret: 'another-secret' })],
    ] as const) {
      it(`answers 400 with category 20 when the form's ${field} differs from the header's`, {
        timeout: 30_000,
      }, async () => {
        const { app, clients } = await suite.acme();
        const res = await app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { ...FORM, authorization: basic(clients.usAdmin.id, clients.usAdmin.secret) },
          payload: new URLSearchParams({ ...formOf(clients), grant_type: 'client_credentials' }).toString(),
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().success, false);
        assert.equal(res.json().reasons[0].code, 50000020);
        assert.equal(String(res.headers['zuora-request-id']).length, 36);
      });
    }

    it('answers a wrong secret in the header with 401 and a Basic challenge', {
      timeout: 30_000,
    }, async () => {
      const { app, clients } = await suite.acme();
      const res = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { ...FORM, authorization: basic(clients.usAdmin.id, 'not-the-secret') },
        payload: 'grant_type=client_credentials',
      });
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().reasons[0].code, 90000011);
      assert.match(String(res.headers['www-authenticate']), /^Basic /);
    });

    for (const [title, header] of [
      ['not base64', 'Basic !!!!'],
      ['no colon', `Basic ${Buffer.from('just-an-id').toString('base64')}`],
      ['bad percent-encoding', `Basic ${Buffer.from('%zz:secret').toString('base64')}`],
    ] as const) {
      it(`answers Basic credentials with ${title} with 400 and category 20`, {
        timeout: 30_000,
      }, async () => {
        const { app } = await suite.acme();
        const res = await app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { ...FORM, authorization: header },
          payload: 'grant_type=client_credentials',
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().reasons[0].code, 50000020);
      });
    }
  });
}
