import type { FastifyRequest } from 'fastify';
import { type JournalRecord, maskBody, maskHeaders, maskUrl, parsedResponse } from '../domain/journal.js';

/** Response bodies are kept up to this size; past it the journal holds a note, not the body. */
const MAX_BODY_CHARS = 64 * 1024;

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
