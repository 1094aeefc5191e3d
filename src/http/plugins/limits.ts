import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { OAuthClient } from '../../domain/model.js';
import type { RateDecision } from '../../domain/rate-limits.js';
import type { Services } from '../../services.js';
import type { Metrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of the OAuth client a POST /oauth/token names (for limits, faults and journal). */
    clientTenantId: string | undefined;
    /** The OAuth client a POST /oauth/token names, as read for its tenant, handed on to the handler. */
    tokenClient: { client: OAuthClient | undefined } | undefined;
  }
}

/** The tenant a request belongs to: the token's, or for /oauth/token the client's. */
export function tenantOf(request: FastifyRequest): string | undefined {
  return request.actor?.tenantId ?? request.clientTenantId;
}

function setRateHeaders(reply: FastifyReply, decision: RateDecision): void {
  reply
    .header('RateLimit-Limit', decision.headers.limit)
    .header('RateLimit-Remaining', decision.headers.remaining)
    .header('RateLimit-Reset', decision.headers.reset);
}

function refuse(message: string, retryAfter: number): AppError {
  return new AppError('RATE_LIMITED', message, { headers: { 'Retry-After': String(retryAfter) } });
}

/**
 * Zuora's limits (docs/CONTRACT.md §2), for tenants whose setting is not 'off'. Authenticated calls:
 * right after authentication, before the body is read, a slot of the entity's concurrency is taken
 * (in memory, per instance) and the tenant's minute, hour and day counters are incremented (in the
 * database, shared by instances); the headers go on the response whatever its outcome. POST
 * /oauth/token: once its form is parsed, the client's tenant is looked up and, if it has limits,
 * the caller's IP is counted.
 */
export function registerLimits(
  app: FastifyInstance,
  services: Pick<Services, 'limits' | 'auth'>,
  metrics: Metrics,
): void {
  app.decorateRequest('clientTenantId', undefined);
  app.decorateRequest('tokenClient', undefined);

  app.addHook('onRequest', async (request, reply) => {
    const actor = request.actor;
    if (!actor) return;
    const limits = await services.limits.limitsFor(actor.tenantId);
    if (!limits) return;

    const slot = services.limits.enter(actor.entityId, limits.concurrency);
    // 'close' fires once the response is sent or the connection is gone, whichever comes first.
    reply.raw.once('close', slot.release);
    reply
      .header('Concurrency-Limit-Type', 'Default')
      .header('Concurrency-Limit-Limit', limits.concurrency)
      .header('Concurrency-Limit-Remaining', slot.remaining);

    const rate = await services.limits.hitTenant(actor.tenantId, limits);
    setRateHeaders(reply, rate);
    if (!slot.allowed) {
      metrics.limitRejections.inc({ limit: 'concurrency' });
      throw refuse(
        `Too many requests: the entity already has ${limits.concurrency} requests in progress (concurrency limit).`,
        1,
      );
    }
    if (!rate.allowed) {
      metrics.limitRejections.inc({ limit: rate.exceeded ?? 'minute' });
      throw refuse(
        `Too many requests: the tenant's rate limit per ${rate.exceeded} was exceeded.`,
        rate.retryAfter ?? 1,
      );
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    // The one unauthenticated Zuora operation: its tenant is known only from the form's client_id.
    if (request.actor || request.routeOptions.url !== '/oauth/token') return;
    const clientId = (request.body as { client_id?: unknown } | undefined)?.client_id;
    if (typeof clientId !== 'string') return;
    const client = await services.auth.findClient(clientId);
    // The handler checks this same read's secret and status rather than reading the client again.
    request.tokenClient = { client };
    if (!client) return;
    request.clientTenantId = client.tenantId;
    const limits = await services.limits.limitsFor(client.tenantId);
    if (!limits) return;
    const rate = await services.limits.hitToken(client.tenantId, request.ip, limits);
    setRateHeaders(reply, rate);
    if (!rate.allowed) {
      metrics.limitRejections.inc({ limit: 'token' });
      throw refuse(
        `Too many requests: at most ${limits.tokenPerMinute} token requests a minute from one IP address.`,
        rate.retryAfter ?? 1,
      );
    }
  });
}
