import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { clients, ids } from './fixtures.js';

/** A bearer token for the client, from `POST /oauth/token` as a Zuora client would ask for it. */
export async function tokenFor(
  app: FastifyInstance,
  client: { id: string; secret: string },
): Promise<string> {
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
  return res.json().access_token;
}

/** Headers of the Acme global administrator acting in the global entity. */
export async function globalHeaders(app: FastifyInstance) {
  return {
    authorization: `Bearer ${await tokenFor(app, clients.globalAdmin)}`,
    'zuora-entity-ids': ids.global,
  };
}
