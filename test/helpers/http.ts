import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type Acme, clients, ids } from './fixtures.js';

/**
 * The HTTP test kit: tokens as a Zuora client asks for them, a caller acting as one client in one
 * entity, and the assertions on Zuora's answers. Every suite uses these, not copies of its own.
 */

/** An OAuth client's credentials, as the fixtures name them. */
export interface Client {
  id: string;
  secret: string;
}

/** The admin API names a client's credentials `clientId` and `clientSecret`; the kit takes both forms. */
type AnyClient = Client | { clientId: string; clientSecret: string };
const credentials = (client: AnyClient): Client =>
  'id' in client ? client : { id: client.clientId, secret: client.clientSecret };

/** `POST /oauth/token` with the client's credentials in a form, as Zuora's clients send it; any answer. */
export function tokenRequest(
  app: FastifyInstance,
  client: AnyClient,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const { id, secret } = credentials(client);
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams({
      client_id: id,
      client_secret: secret,
      grant_type: 'client_credentials',
    }).toString(),
  });
}

/** A token from `POST /oauth/token`, with the scope it was given; fails the test unless 200. */
export async function issueToken(
  app: FastifyInstance,
  client: AnyClient,
): Promise<{ token: string; scope: string[] }> {
  const res = await tokenRequest(app, client);
  assert.equal(res.statusCode, 200, res.body);
  return { token: res.json().access_token, scope: res.json().scope.split(' ') };
}

/** A bearer token for the client (`issueToken`). */
export async function tokenFor(app: FastifyInstance, client: AnyClient): Promise<string> {
  return (await issueToken(app, client)).token;
}

/** Headers of the Acme global administrator (of `acme`, a copy, when given) acting in the global entity. */
export async function globalHeaders(app: FastifyInstance, acme: Acme = { ids, clients }) {
  return {
    authorization: `Bearer ${await tokenFor(app, acme.clients.globalAdmin)}`,
    'zuora-entity-ids': acme.ids.global,
  };
}

/** Requests made with one bearer token, in one entity (`Zuora-Entity-Ids`) when one is named. */
export interface Caller {
  headers: Record<string, string>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown, extra?: Record<string, string>): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  delete(url: string): Promise<LightMyRequestResponse>;
}

export function callerWithToken(app: FastifyInstance, token: string, entityId?: string): Caller {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (entityId !== undefined) headers['zuora-entity-ids'] = entityId;
  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, extra = {}) =>
    app.inject({
      method,
      url,
      headers: { ...headers, ...extra },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  return {
    headers,
    get: (url) => send('GET', url),
    post: (url, body, extra) => send('POST', url, body, extra),
    put: (url, body) => send('PUT', url, body),
    delete: (url) => send('DELETE', url),
  };
}

/** A caller with a new token of the client's. */
export async function callerFor(app: FastifyInstance, client: AnyClient, entityId?: string): Promise<Caller> {
  return callerWithToken(app, await tokenFor(app, client), entityId);
}

/**
 * Asserts Zuora's error envelope (docs/CONTRACT.md §3): the status, exactly `success`, `processId` and
 * `reasons`, and the first reason's code: 500000 followed by the category, but for authentication
 * failures (category 11), whose code is 90000011 (docs/CONTRACT.md §3); `reason` names any other.
 */
export function assertError(
  res: LightMyRequestResponse | { statusCode: number; body: string },
  status: number,
  category: number,
  reason = category === 11 ? 90_000_011 : 50_000_000 + category,
): void {
  assert.equal(res.statusCode, status, res.body);
  const body = JSON.parse(res.body);
  assert.deepEqual(Object.keys(body).sort(), ['processId', 'reasons', 'success'], res.body);
  assert.equal(body.success, false);
  assert.match(body.processId, /^[0-9A-F]{16}$/);
  assert.equal(body.reasons[0].code, reason, body.reasons[0].message);
}

/** Asserts the body of a success that answers nothing else: `{ "success": true }`. */
export function assertSuccessOnly(res: LightMyRequestResponse): void {
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { success: true });
}
