import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type JournalRecord, maskBody, maskHeaders, maskUrl, parsedResponse } from '../../domain/journal.js';
import type { Services } from '../../services.js';
import { tenantOf } from './limits.js';

/** Response bodies are kept up to this size; past it the journal holds a note, not the body. */
const MAX_BODY_CHARS = 64 * 1024;

const responsePayloads = new WeakMap<FastifyRequest, string>();

/** The journal's record of a request; `status` 0 and no response for a dropped connection. */
export function journalEntry(
  request: FastifyRequest,
  status: number,
  payload: string | undefined,
  durationMs: number,
): JournalRecord {
  // Most entries are never read: the response is kept as sent and parsed when first read, except
  // a token response, whose bearer token is masked at once rather than kept in memory.
  let response: unknown;
  let responseText: string | undefined;
  if (payload === undefined || payload === '') response = null;
  else if (payload.length > MAX_BODY_CHARS) response = `[${payload.length} characters, not kept]`;
  else if (payload.includes('"access_token"')) response = parsedResponse(payload);
  else responseText = payload;
  return {
    at: new Date(Date.now() - durationMs).toISOString(),
    method: request.method,
    url: maskUrl(request.url),
    headers: maskHeaders(request.headers),
    body: maskBody(request.body),
    status,
    response,
    responseText,
    durationMs: Math.round(durationMs * 10) / 10,
    requestId: request.id,
    trackId: request.trackId ?? null,
  };
}

/**
 * Records every request tied to a tenant (a valid token, or /oauth/token with a known client) in
 * the tenant's journal once it is answered. The response body is taken in onSend, before
 * compression (which runs in route-level onSend hooks, after these).
 */
export function registerJournal(app: FastifyInstance, services: Pick<Services, 'journal'>): void {
  if (!services.journal.enabled) return;

  app.addHook('onSend', async (request, _reply, payload) => {
    if (tenantOf(request) === undefined) return payload;
    if (typeof payload === 'string') responsePayloads.set(request, payload);
    else if (Buffer.isBuffer(payload)) responsePayloads.set(request, payload.toString('utf8'));
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const tenantId = tenantOf(request);
    if (tenantId === undefined) return;
    const entry = journalEntry(request, reply.statusCode, responsePayloads.get(request), reply.elapsedTime);
    services.journal.record(tenantId, entry);
  });
}
