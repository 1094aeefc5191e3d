import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { maskHeaders, maskSecret, maskUrl } from '../../src/domain/journal.js';
import { loggerOptions } from '../../src/http/log-redaction.js';
import { build } from '../helpers/build.js';
import { testDatabases } from '../helpers/databases.js';
import { clients, ids } from '../helpers/fixtures.js';
import { tokenFor } from '../helpers/http.js';
import { operator, operatorEnv } from './support.js';

const secretValues = {
  query: 'Qz7xWv3kLp9mNb2rTy6u',
  cookie: 'session=Hc8dKs2fJq5wZx1vPm4n',
  apiKey: 'Ak3jRt8yUe1oIw6qPs9d',
  proxy: 'Basic cHJveHk6Wm04c1RxM3ZYazdQbTJy',
};

/** The secret-bearing request both the journal and the logs see. */
function secretRequest(token: string) {
  return {
    method: 'GET' as const,
    url: `/v1/entity-connections?access_token=${secretValues.query}&token=${secretValues.query}&password=${secretValues.query}&type=outbound`,
    headers: {
      authorization: `Bearer ${token}`,
      cookie: secretValues.cookie,
      'x-api-key': secretValues.apiKey,
      'proxy-authorization': secretValues.proxy,
    },
  };
}

/**
 * Every run of 8 characters of `secret` that appears in `text`: none may (a mask shows at most 4;
 * runs of 8 are long enough that ids and hashes elsewhere in the text never match one by chance).
 */
function leaks(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i++) {
    const part = secret.slice(i, i + 8);
    if (text.includes(part)) found.push(part);
  }
  return found;
}

describe('masking secrets', { timeout: 10_000 }, () => {
  it('shows at most 4 characters of a secret, none of a short one', () => {
    assert.equal(maskSecret('abcdefghijklmnopqrstuvwxyz'), 'abcd****');
    assert.equal(maskSecret('short-secret'), '****');
  });
  it('masks secret-bearing query parameters and keeps the others', () => {
    assert.equal(
      maskUrl('/oauth/token?client_id=abc&client_secret=0123456789abcdefXYZ&grant_type=client_credentials'),
      '/oauth/token?client_id=abc&client_secret=0123****&grant_type=client_credentials',
    );
    assert.equal(maskUrl('/x?ACCESS_TOKEN=0123456789abcdefXYZ&page=2'), '/x?ACCESS_TOKEN=0123****&page=2');
    assert.equal(maskUrl('/x?password=hunter2'), '/x?password=****');
    assert.equal(maskUrl('/v1/entities'), '/v1/entities');
  });
  it('masks secret-bearing headers and keeps the others', () => {
    assert.deepEqual(
      maskHeaders({
        authorization: 'Bearer 0123456789abcdefXYZ',
        cookie: 'sid=0123456789abcdefXYZ',
        'set-cookie': ['a=0123456789abcdefXYZ'],
        'proxy-authorization': 'Basic 0123456789abcdefXYZ',
        'x-api-key': '0123456789abcdefXYZ',
        'idempotency-key': 'key-1',
        'zuora-track-id': 'run-1',
      }),
      {
        authorization: 'Bearer 0123****',
        cookie: 'sid=****',
        'set-cookie': 'a=01****',
        'proxy-authorization': 'Basic 0123****',
        'x-api-key': '0123****',
        'idempotency-key': 'key-1',
        'zuora-track-id': 'run-1',
      },
    );
  });
});

for (const database of testDatabases) {
  describe(`${database.name}: secrets in the journal and the logs`, { timeout: 60_000 }, () => {
    it('keeps no secret query parameter or header in the journal, and at most 4 characters of any', async (t) => {
      const { app } = await build(t, { database, env: operatorEnv });
      const token = await tokenFor(app, clients.usAdminSingle);
      // Answered 400 (unknown query parameters), and recorded like any request of the tenant.
      const res = await app.inject(secretRequest(token));
      assert.equal(res.statusCode, 400, res.body);
      const form = await app.inject({
        method: 'POST',
        url: `/oauth/token?client_secret=${secretValues.query}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `client_id=${clients.globalAdmin.id}&client_secret=${clients.globalAdmin.secret}&grant_type=client_credentials`,
      });
      assert.ok(form.statusCode < 500, form.body);

      const journal = await app.inject({
        method: 'GET',
        url: `/admin/v1/tenants/${ids.tenant}/journal?limit=10`,
        headers: operator,
      });
      const text = journal.body;
      for (const secret of [...Object.values(secretValues), token, clients.globalAdmin.secret]) {
        assert.deepEqual(leaks(text, secret.replace(/^(session=|Basic )/, '')), [], `${secret} leaks`);
      }
      const entry = journal.json().requests.find((e: { url: string }) => e.url.startsWith('/v1/'));
      assert.equal(
        entry.url,
        '/v1/entity-connections?access_token=Qz7x****&token=Qz7x****&password=Qz7x****&type=outbound',
      );
      assert.equal(entry.headers.cookie, 'sess****');
      assert.equal(entry.headers['x-api-key'], 'Ak3j****');
      assert.equal(entry.headers['proxy-authorization'], 'Basic cHJv****');
      assert.equal(entry.headers.authorization, `Bearer ${token.slice(0, 4)}****`);
    });

    it('logs the URL with its secret query parameters masked, and no secret header', async (t) => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const logger = pino(loggerOptions('info'), sink);
      const { app } = await build(t, { database, logger });
      const token = await tokenFor(app, clients.usAdminSingle);
      // Answered 400 (unknown query parameters), and recorded like any request of the tenant.
      const res = await app.inject(secretRequest(token));
      assert.equal(res.statusCode, 400, res.body);
      // Lines that log the request's headers, as a plugin or a debugging session might, under each
      // key whose headers the logger masks.
      const { headers } = secretRequest(token);
      for (const key of ['req', 'res', 'request', 'reply', 'response']) {
        logger.info({ [key]: { headers } }, `headers as ${key}`);
      }
      logger.info({ headers }, 'headers');
      const text = lines.join('');
      assert.match(text, /access_token=Qz7x\*\*\*\*/);
      // Each of the six lines shows the headers, masked.
      assert.equal(text.split('"x-api-key":"Ak3j****"').length - 1, 6, text);
      for (const secret of [...Object.values(secretValues), token]) {
        assert.deepEqual(leaks(text, secret.replace(/^(session=|Basic )/, '')), [], `${secret} leaks`);
      }
    });
  });
}
