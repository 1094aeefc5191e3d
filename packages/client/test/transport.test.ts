import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConflictError,
  MultientityClient,
  PermissionError,
  RateLimitError,
  ValidationError,
  ZUORA_ENVIRONMENTS,
} from '../src/index.js';

// What the server cannot be made to answer on demand (a 409 of category 50 on SQLite, a 429
// without Retry-After, a token endpoint that answers 503), answered by a scripted fetch.

interface Seen {
  method: string;
  url: string;
  headers: Headers;
}

function scripted(answers: Array<() => Response>) {
  const seen: Seen[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = String(input);
    seen.push({ method: init?.method ?? 'GET', url, headers: new Headers(init?.headers) });
    if (url.endsWith('/oauth/token')) {
      return Response.json({
        access_token: 'abc',
        token_type: 'bearer',
        expires_in: 3599,
        scope: '',
        jti: '1',
      });
    }
    const next = answers.shift();
    if (!next) throw new Error('no more scripted answers');
    return next();
  };
  const client = new MultientityClient({
    baseUrl: 'http://zuora.invalid',
    clientId: 'c'.repeat(36),
    clientSecret: 's',
    fetch: fetchImpl,
    baseDelayMs: 1,
    maxDelayMs: 5,
  });
  return { client, seen: () => seen.filter((s) => !s.url.endsWith('/oauth/token')) };
}

const envelope =
  (code: number, status: number, headers: Record<string, string> = {}) =>
  () =>
    Response.json(
      { success: false, processId: 'ABCDEF0123456789', reasons: [{ code, message: `code ${code}` }] },
      { status, headers },
    );

describe('retries and errors, by a scripted server', { timeout: 10_000 }, () => {
  it('retries 409 of category 50 with the same Idempotency-Key, then succeeds', async () => {
    const { client, seen } = scripted([
      envelope(50000050, 409),
      envelope(50000050, 409),
      () => Response.json({ id: 'x', success: true }),
    ]);
    assert.deepEqual(await client.entityConnections.create({ targetEntityId: 'a'.repeat(32) }), {
      id: 'x',
      success: true,
    });
    const keys = seen().map((s) => s.headers.get('idempotency-key'));
    assert.equal(keys.length, 3);
    assert.equal(new Set(keys).size, 1);
  });

  it('throws ConflictError when the conflicts outlast maxRetries', async () => {
    const { client, seen } = scripted([envelope(50000050, 409), envelope(50000050, 409)]);
    const error = await client.entities.list({}, { maxRetries: 1 }).catch((e: unknown) => e);
    assert.ok(error instanceof ConflictError);
    assert.deepEqual([error.status, error.category, error.processId], [409, 50, 'ABCDEF0123456789']);
    assert.equal(seen().length, 2);
  });

  it('does not retry a 429 without Retry-After, nor a 422', async () => {
    const { client, seen } = scripted([envelope(50000070, 429), envelope(50000030, 422)]);
    await assert.rejects(client.entities.list(), RateLimitError);
    await assert.rejects(
      client.entities.create({ name: 'n', parentId: 'p', locale: 'l', timezone: 't' }),
      ValidationError,
    );
    assert.equal(seen().length, 2);
  });

  it('stops retrying when the next wait would pass maxRetryTimeMs', async () => {
    const { client, seen } = scripted([envelope(50000070, 429, { 'retry-after': '3600' })]);
    const started = Date.now();
    await assert.rejects(client.entities.list({}, { maxRetryTimeMs: 1000 }), RateLimitError);
    assert.ok(Date.now() - started < 500);
    assert.equal(seen().length, 1);
  });

  it('reads an HTTP 200 with success false as the error of its category', async () => {
    const { client } = scripted([
      envelope(50000010, 200),
      envelope(50000050, 200),
      () => Response.json({ success: true }),
    ]);
    const error = await client.entities.list().catch((e: unknown) => e);
    assert.ok(error instanceof PermissionError);
    assert.equal(error.status, 200);
    // Category 50 under an old version is a conflict all the same: retried.
    assert.deepEqual(await client.entities.list(), { success: true });
  });

  it('offers Zuora environments as named base URLs', () => {
    assert.equal(ZUORA_ENVIRONMENTS.US_CLOUD_1_PRODUCTION, 'https://rest.na.zuora.com');
    assert.equal(ZUORA_ENVIRONMENTS.EU_API_SANDBOX, 'https://rest.sandbox.eu.zuora.com');
    const client = new MultientityClient({ baseUrl: ZUORA_ENVIRONMENTS.US_CLOUD_2_API_SANDBOX });
    assert.equal(client.baseUrl, 'https://rest.apisandbox.zuora.com');
  });
});
