// The load scenarios, as autocannon request lists. Each request is built when it is sent, so that
// keys, sources and targets vary from one request to the next.
import { randomUUID } from 'node:crypto';
import type { Request } from 'autocannon';
import {
  credentials,
  entityId,
  MIXED_TENANT_BASE,
  READ_TENANT,
  SCALE_TENANT,
  WRITE_CLIENTS,
  WRITE_ENTITIES,
  WRITE_SCOPE,
  WRITE_TENANT,
} from './setup.js';

export interface Tokens {
  read: string;
  write: string[];
  mixed: string[];
  /** How many fresh-key writes this server has had: each run goes on where the last stopped. */
  writesSent: number;
  /**
   * Mixed-workload tenants free for a new cycle. A cycle takes one and gives it back only once its
   * disconnect succeeded, so no cycle meets a pair another left half done (at the end of a run).
   */
  mixedFree: number[];
}

/** autocannon's per-connection object, shared by that connection's requests. */
type Context = { tenant?: number; connectionId?: string };

const json = (token: string, entity: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  'zuora-entity-ids': entity,
  'content-type': 'application/json',
  ...extra,
});
/** A request without a body: no Content-Type, which would ask for a JSON body. */
const bare = (token: string, entity: string) => ({
  authorization: `Bearer ${token}`,
  'zuora-entity-ids': entity,
});

/** 1. POST /oauth/token, for a client of three entities. */
export function tokenRequests(): Request[] {
  const { clientId, clientSecret } = credentials.mixed(0);
  return [
    {
      method: 'POST',
      path: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `client_id=${clientId}&client_secret=${clientSecret}&grant_type=client_credentials`,
    },
  ];
}

/**
 * 2. POST /v1/entity-connections, a fresh Idempotency-Key each time and never the same pair twice:
 * the n-th request goes from one of the 512 entities (through the client whose scope holds it) to
 * the k-th entity after it, so the 261,632 ordered pairs are spread over 16 clients and 512 sources.
 */
export function freshWriteRequests(tokens: Tokens): Request[] {
  return [
    {
      method: 'POST',
      path: '/v1/entity-connections',
      setupRequest(request) {
        const i = tokens.writesSent++;
        const client = i % WRITE_CLIENTS;
        const m = Math.floor(i / WRITE_CLIENTS);
        const source = client * WRITE_SCOPE + (m % WRITE_SCOPE);
        const k = Math.floor(m / WRITE_SCOPE) % (WRITE_ENTITIES - 1);
        const target = (source + 1 + k) % WRITE_ENTITIES;
        return {
          ...request,
          headers: json(tokens.write[client] as string, entityId(WRITE_TENANT, source), {
            'idempotency-key': randomUUID(),
          }),
          body: JSON.stringify({ targetEntityId: entityId(WRITE_TENANT, target) }),
        };
      },
    },
  ];
}

/** The request scenario 3 replays: entity 0 to entity 511, which scenario 2 reaches last if ever. */
export const REPLAY = {
  key: 'bench-replayed-key-0001',
  source: entityId(WRITE_TENANT, 0),
  body: JSON.stringify({ targetEntityId: entityId(WRITE_TENANT, WRITE_ENTITIES - 1) }),
};

/** 3. The same POST with one Idempotency-Key, whose first response is replayed. */
export function replayRequests(tokens: Tokens): Request[] {
  return [
    {
      method: 'POST',
      path: '/v1/entity-connections',
      headers: json(tokens.write[0] as string, REPLAY.source, { 'idempotency-key': REPLAY.key }),
      body: REPLAY.body,
    },
  ];
}

/** 4a. A page of 30 connections. */
export function listConnectionRequests(token: string, tenant = READ_TENANT): Request[] {
  return [
    {
      method: 'GET',
      path: '/v1/entity-connections?pageSize=30',
      headers: { authorization: `Bearer ${token}`, 'zuora-entity-ids': entityId(tenant, 0) },
    },
  ];
}

/** 4b. The read tenant's hierarchy of 31 entities. */
export function listEntityRequests(tokens: Tokens): Request[] {
  return [
    {
      method: 'GET',
      path: '/v1/entities',
      headers: { authorization: `Bearer ${tokens.read}`, 'zuora-entity-ids': entityId(READ_TENANT, 0) },
    },
  ];
}

/**
 * 5. Request, accept, list, disconnect, over and over, each cycle in a tenant of its own: the
 * writes of many tenants interleave, and a disconnected pair may be requested again.
 */
export function mixedRequests(tokens: Tokens): Request[] {
  // autocannon clears the context when a connection starts its list of requests again.
  const as = (context: Context, entity: number, extra?: Record<string, string>) => {
    const t = context.tenant as number;
    const token = tokens.mixed[t] as string;
    const id = entityId(MIXED_TENANT_BASE + t, entity);
    return extra ? json(token, id, extra) : bare(token, id);
  };
  return [
    {
      method: 'POST',
      path: '/v1/entity-connections',
      setupRequest: (request, context) => {
        const c = context as Context;
        // Every tenant left half done (a failed step): take one anyway, and count its failures.
        const tenant = tokens.mixedFree.shift() ?? Math.floor(Math.random() * tokens.mixed.length);
        c.tenant = tenant;
        return {
          ...request,
          headers: as(c, 1, { 'idempotency-key': randomUUID() }),
          body: JSON.stringify({ targetEntityId: entityId(MIXED_TENANT_BASE + tenant, 2) }),
        };
      },
      onResponse: (status, body, context) => {
        if (status === 200) (context as Context).connectionId = (JSON.parse(body) as { id: string }).id;
      },
    },
    {
      method: 'PUT',
      setupRequest: (request, context) => ({
        ...request,
        path: `/v1/entity-connections/${(context as Context).connectionId}/accept`,
        headers: as(context as Context, 2),
      }),
    },
    {
      method: 'GET',
      path: '/v1/entity-connections?pageSize=30',
      setupRequest: (request, context) => ({ ...request, headers: as(context as Context, 1) }),
    },
    {
      method: 'PUT',
      setupRequest: (request, context) => ({
        ...request,
        path: `/v1/entity-connections/${(context as Context).connectionId}/disconnect`,
        headers: as(context as Context, 1),
      }),
      onResponse: (status, _body, context) => {
        if (status === 200) tokens.mixedFree.push((context as Context).tenant as number);
      },
    },
  ];
}

/** 6. A page of 30 of the scale tenant's global entity, which has 1,022 connections. */
export const scaleListRequests = (token: string) => listConnectionRequests(token, SCALE_TENANT);

/** The baseline: a GET of a fixed small JSON body. */
export const baselineRequests = (): Request[] => [{ method: 'GET', path: '/' }];

export { credentials };
