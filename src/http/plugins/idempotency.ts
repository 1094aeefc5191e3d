import type { FastifyInstance } from 'fastify';
import { sha256Hex } from '../../domain/secrets.js';
import type { Services } from '../../services.js';

/** Response headers that belong to the stored response; per-request ones (request and track ids) do not. */
const STORED_HEADERS = ['content-type', 'www-authenticate', 'retry-after'];

/**
 * Idempotency-Key on POST routes declared `config: { idempotent: true }` (REFERENCE.md §7). The key
 * is claimed after authentication and body validation, so 401s and parse errors are never stored;
 * the handler's response, success or error, is stored before it is sent, so an acknowledged
 * response is always the one a retry gets.
 */
export function registerIdempotency(app: FastifyInstance, services: Pick<Services, 'idempotency'>): void {
  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config.idempotent || request.method !== 'POST') return;
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !request.actor) return;
    const scope = {
      tenantId: request.actor.tenantId,
      clientId: request.actor.clientId,
      key,
      method: request.method,
      url: request.url,
      // Hash of the parsed body in canonical form, so gzip or whitespace do not make it "another body".
      bodyHash: sha256Hex(JSON.stringify(request.body ?? null)),
    };
    const result = await services.idempotency.begin(scope);
    if (result.kind === 'replay') {
      const { status, headers, body } = result.response;
      reply.headers(headers).header('Idempotent-Replayed', 'true').code(status);
      return reply.send(body);
    }
    request.idempotency = result.claim;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = undefined;
    if (request.retryable) {
      // REFERENCE.md §7 stores errors, but a 409 for lock contention or a 503 invites a retry with
      // the same key; storing it would answer that retry with the same failure for 24 hours.
      await services.idempotency.release(claim);
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of STORED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const body =
      typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
    try {
      await services.idempotency.complete(claim, { status: reply.statusCode, headers, body });
    } catch (error) {
      // Nothing was stored: give the key back so a retry runs again rather than meeting a 409.
      await services.idempotency.release(claim).catch(() => {});
      throw error;
    }
    return payload;
  });
}
