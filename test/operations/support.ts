import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** The operator token the suites configure (MULTIENTITY_OPERATOR_TOKEN). */
export const OPERATOR_TOKEN = 'operator-token-for-tests-0123456789';
export const operatorEnv = { MULTIENTITY_OPERATOR_TOKEN: OPERATOR_TOKEN };
export const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };

export type Client = { id: string; secret: string };

export function tokenRequest(app: FastifyInstance, client: Client, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams({
      client_id: client.id,
      client_secret: client.secret,
      grant_type: 'client_credentials',
    }).toString(),
  });
}

export async function tokenFor(app: FastifyInstance, client: Client): Promise<string> {
  const res = await tokenRequest(app, client);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().access_token;
}

/** Asserts Zuora's error envelope with the given status and category (REFERENCE.md §3). */
export function assertZuoraError(
  res: LightMyRequestResponse | { statusCode: number; body: string },
  status: number,
  category: number,
) {
  assert.equal(res.statusCode, status, res.body);
  const body = JSON.parse(res.body);
  assert.equal(body.success, false);
  assert.match(body.processId, /^[0-9A-F]{16}$/);
  assert.equal(body.reasons[0].code % 100, category);
}
