import type { onResponseAsyncHookHandler, onSendAsyncHookHandler } from 'fastify';
import type { Services } from '../../services.js';
import { journalEntry } from '../journal-entry.js';
import { tenantOf } from '../request-state.js';

/**
 * The journal records every request tied to a tenant (a valid token, or /oauth/token with a known
 * client) in the tenant's journal once it is answered. The response body is taken in onSend, before
 * compression (which runs in route-level onSend hooks, after these).
 */
export const keepJournalBody: onSendAsyncHookHandler = async (request, _reply, payload) => {
  if (tenantOf(request) === undefined) return payload;
  if (typeof payload === 'string') request.journalPayload = payload;
  else if (Buffer.isBuffer(payload)) request.journalPayload = payload.toString('utf8');
  return payload;
};

export function recordJournal(services: Pick<Services, 'journal'>): onResponseAsyncHookHandler {
  return async function recordJournal(request, reply) {
    const tenantId = tenantOf(request);
    if (tenantId === undefined) return;
    const entry = journalEntry(request, reply.statusCode, request.journalPayload, reply.elapsedTime);
    services.journal.record(tenantId, entry);
  };
}
