import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  ContextConfigDefault,
  FastifyContextConfig,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  onSendAsyncHookHandler,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
  RouteShorthandOptions,
} from 'fastify';
import type { RunResult, StoredResponse } from '../../domain/idempotency.js';
import type { Transactional } from '../../domain/ports/index.js';
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
 * The Idempotency-Key's open transaction, handed to an idempotent route's handler, which passes it to
 * the domain service it calls (`within`: the service's writes join it). Undefined when the request
 * carries no key. While it is open, a store call made outside it is wrong: on SQLite (one
 * connection) it waits for this very transaction, and the store fails it as `TransactionMisuse`.
 */
export type KeyTransaction = Transactional | undefined;

/** A route's handler as Fastify types it from the route's TypeBox schema. */
type TypedHandler<Schema extends FastifySchema> = RouteHandlerMethod<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  RouteGenericInterface,
  ContextConfigDefault,
  Schema,
  TypeBoxTypeProvider
>;

/** An idempotent route's handler: the request as its schema types it, and the key's transaction. */
export type IdempotentHandler<Schema extends FastifySchema> = (
  request: Parameters<TypedHandler<Schema>>[0],
  tx: KeyTransaction,
) => ReturnType<TypedHandler<Schema>>;

/**
 * Idempotency-Key on POST routes (docs/CONTRACT.md §7): `idempotentRoutes(app, services).post(url,
 * options, (request, tx) => …)` declares one. The handler runs after authentication and body
 * validation, so 401s and parse errors are never stored, and inside the key's transaction
 * (`services.idempotency.run`), which it receives as `tx`. Its answer is serialized there, with the
 * route's own serializer, and stored with the operation's writes in that one commit, so an
 * acknowledged response is always the one a retry gets. An error of the handler rolls everything
 * back; its error response is stored by `storeErrorResponse` (onSend), in a second transaction.
 */
export function idempotentRoutes(app: FastifyInstance, services: Pick<Services, 'idempotency'>) {
  function underKey(handler: (request: FastifyRequest, tx: KeyTransaction) => unknown): RouteHandlerMethod {
    return async function runUnderKey(request, reply) {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !request.actor) return handler(request, undefined);
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
          try {
            payload = await handler(request, tx);
          } catch (error) {
            handlerFailed = true;
            throw error;
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

  return {
    /** A POST route whose handler runs under the request's Idempotency-Key when it has one. */
    post<const Schema extends FastifySchema>(
      url: string,
      options: { schema: Schema; config?: FastifyContextConfig },
      handler: IdempotentHandler<Schema>,
    ): void {
      // The request the handler is typed with is the one Fastify has validated against `schema`;
      // the options are passed untyped so that Fastify does not infer the reply from `schema` a
      // second time, for a handler (underKey's) that sends the reply itself.
      app.post(
        url,
        options as RouteShorthandOptions,
        underKey(handler as (request: FastifyRequest, tx: KeyTransaction) => unknown),
      );
    },
  };
}

/**
 * onSend: the error response of a request whose handler failed under its key is stored as the
 * key's first response, as it is sent.
 */
export function storeErrorResponse(services: Pick<Services, 'idempotency'>): onSendAsyncHookHandler {
  return async function storeErrorResponse(request, reply, payload) {
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
  };
}
