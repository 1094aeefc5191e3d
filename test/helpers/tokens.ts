import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { clients, ids } from './fixtures.js';

/** A token from `POST /oauth/token` as a Zuora client would ask for it, with the scope it was given. */
export async function issueToken(
  app: FastifyInstance,
  client: { id: string; secret: string },
): Promise<{ token: string; scope: string[] }> {
  const res = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      client_id: client.id,
      client_secret: client.secret,
      grant_type: 'client_credentials',
    }).toString(),
  });
  assert.equal(res.statusCode, 200, res.body);
  return { token: res.json().access_token, scope: res.json().scope.split(' ') };
}

/** A bearer token for the client (`issueToken`). */
export async function tokenFor(
  app: FastifyInstance,
  client: { id: string; secret: string },
): Promise<string> {
  return (await issueToken(app, client)).token;
}

/** Headers of the Acme global administrator acting in the global entity. */
export async function globalHeaders(app: FastifyInstance) {
  return {
    authorization: `Bearer ${await tokenFor(app, clients.globalAdmin)}`,
    'zuora-entity-ids': ids.global,
  };
}
