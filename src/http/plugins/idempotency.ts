import type { FastifyInstance, FastifyReply, RouteOptions } from 'fastify';
import type { RunResult, StoredResponse } from '../../domain/idempotency.js';
import type { Services } from '../../services.js';
import { errorResponse, toAppError } from '../error-handler.js';

/** Response headers that belong to the stored response; per-request ones (request and track ids) do not. */
const STORED_HEADERS = ['content-type', 'www-authenticate', 'retry-after'];

function storedHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return headers;
}

/**
 * Idempotency-Key on POST routes declared `config: { idempotent: true }` (docs/CONTRACT.md §7). The
 * route's handler is wrapped: it runs after authentication and body validation, so 401s and parse
 * errors are never stored, and inside the key's transaction (`services.idempotency.run`), which
 * the handler passes to its domain service as `request.transaction`. The handler's answer is serialized there, with the route's
 * own serializer, and stored with the operation's writes in that one commit, so an acknowledged
 * response is always the one a retry gets. An error of the handler rolls everything back; its
 * error response is stored in onSend, in a second transaction.
 */
export function registerIdempotency(app: FastifyInstance, services: Pick<Services, 'idempotency'>): void {
  function idempotent(handler: RouteOptions['handler']): RouteOptions['handler'] {
    return async function (this: FastifyInstance, request, reply) {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !request.actor) return handler.call(this, request, reply);
      const { actor } = request;
      const scope = {
        tenantId: actor.tenantId,
        clientId: actor.clientId,
        key,
        method: request.method,
        url: request.url,
        // The parsed body, so gzip, whitespace or key order do not make it "another body".
        fingerprint: services.idempotency.fingerprint({
          method: request.method,
          url: request.url,
          tenantId: actor.tenantId,
          clientId: actor.clientId,
          userId: actor.userId,
          entityId: actor.entityId,
          apiVersion: (request.apiVersion ?? request.tenantApiVersion)?.raw ?? '',
          body: request.body,
        }),
      };
      let handlerFailed = false;
      let result: RunResult;
      try {
        result = await services.idempotency.run(scope, async (tx): Promise<StoredResponse> => {
          let payload: unknown;
          request.transaction = tx;
          try {
            payload = await handler.call(this, request, reply);
          } catch (error) {
            handlerFailed = true;
            throw error;
          } finally {
            request.transaction = undefined;
          }
          // The body exactly as it will be sent: the route's serializer for its status, and the
          // content type Fastify would give it.
          reply.type('application/json; charset=utf-8');
          // A schema's serializer answers a string (Fastify's type allows bytes too).
          const body = String(reply.serialize(payload));
          return { status: reply.statusCode, headers: storedHeaders(reply), body };
        });
      } catch (error) {
        // The handler's error answer is the key's first response (stored in onSend); the key's
        // own errors (409 in flight, 422 reused, 400 invalid) are not.
        if (handlerFailed) request.idempotency = scope;
        throw error;
      }
      const { status, headers, body } = result.response;
      if (result.kind === 'replay') {
        reply.headers(headers).header('Idempotent-Replayed', 'true').code(status);
      }
      return reply.send(body);
    };
  }

  app.decorateRequest('transaction', undefined);
  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotent) return;
    if (![route.method].flat().every((method) => method === 'POST')) {
      throw new Error(`${route.url}: only POST routes take an Idempotency-Key`);
    }
    route.handler = idempotent(route.handler);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const scope = request.idempotency;
    if (!scope) return payload;
    request.idempotency = undefined;
    // docs/CONTRACT.md §7 stores errors, but a 409 for lock contention or a 503 invites a retry with
    // the same key; storing it would answer that retry with the same failure for 24 hours.
    if (request.retryable) return payload;
    const body =
      typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
    try {
      await services.idempotency.fail(scope, {
        status: reply.statusCode,
        headers: storedHeaders(reply),
        body,
      });
    } catch (error) {
      // Another request stored the key meanwhile (its response is the key's, and this one is
      // answered as a retry meeting it now would be: 409 or 422), or the database failed (503,
      // 500). Rendered here, not thrown: the error handler has already answered this request once,
      // and an error thrown from onSend would reach Fastify's fallback, a 500 without the envelope.
      const appError = toAppError(error);
      if (appError.code === 'INTERNAL') {
        request.log.error({ err: error, trackId: request.trackId }, 'storing the error response failed');
      }
      const answer = errorResponse(request, appError);
      reply.headers(answer.headers).code(answer.status).type('application/json; charset=utf-8');
      return answer.body;
    }
    return payload;
  });
}
