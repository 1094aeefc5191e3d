import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseApiVersion } from '../../domain/api-version.js';
import { AppError } from '../../domain/errors.js';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from '../../domain/idempotency.js';
import { sendError } from '../error-handler.js';
import { bindToRequestLog } from '../request-log.js';

/** ≤64 US-ASCII printable characters, none of : ; " ' (docs/CONTRACT.md §2). */
const TRACK_ID = /^[\x20-\x7e]{1,64}$/;
const TRACK_ID_FORBIDDEN = /[:;"']/;

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * First step of every request: Zuora-Request-Id, Zuora-Track-Id (checked and echoed), Zuora-Version
 * and the Idempotency-Key length. Each failure here is a 400 in Zuora's envelope, with the request id
 * already set. Its `preClose` is the app's (http/pipeline.ts).
 */
export function createRequestContext() {
  // Set when app.close() begins (SIGTERM): requests already under way finish, and one that arrives
  // later on a connection that is still open gets 503 in Zuora's envelope (buildApp turns off
  // Fastify's own 503, whose body is not Zuora's).
  let closing = false;
  async function preClose() {
    closing = true;
  }

  async function requestContext(request: FastifyRequest, reply: FastifyReply) {
    reply.header('Zuora-Request-Id', request.id);

    // The version first: every later error is answered in the form it asks for.
    const version = header(request.headers['zuora-version']);
    if (version !== undefined) {
      const parsed = parseApiVersion(version);
      if (!parsed) throw new AppError('VERSION_INVALID');
      request.apiVersion = parsed;
    }

    // buildApp turns off Node's own check (an empty 400) so that this answer is in the envelope.
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new AppError('HOST_REQUIRED');
    }

    const trackId = header(request.headers['zuora-track-id']);
    if (trackId !== undefined) {
      if (!TRACK_ID.test(trackId) || TRACK_ID_FORBIDDEN.test(trackId)) throw new AppError('TRACK_ID_INVALID');
      request.trackId = trackId;
      reply.header('Zuora-Track-Id', trackId);
      bindToRequestLog(request, { trackId });
    }

    // Zuora honours Idempotency-Key on POST and PATCH only, and ignores it elsewhere.
    const key = header(request.headers['idempotency-key']);
    if (key !== undefined && (request.method === 'POST' || request.method === 'PATCH')) {
      if (key.length === 0)
        throw new AppError('IDEMPOTENCY_KEY_INVALID', 'Invalid Idempotency-Key: it is empty.');
      if (key.length > IDEMPOTENCY_KEY_MAX_LENGTH) throw new AppError('IDEMPOTENCY_KEY_INVALID');
    }

    if (closing)
      return sendError(request, reply, new AppError('UNAVAILABLE', 'The server is shutting down.'));
  }

  return { onRequest: requestContext, preClose };
}
