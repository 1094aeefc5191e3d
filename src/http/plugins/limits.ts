import type { FastifyReply, onRequestAsyncHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import type { Counter } from 'prom-client';
import { AppError } from '../../domain/errors.js';
import type { RateDecision } from '../../domain/rate-limits.js';
import type { Services } from '../../services.js';

/** Requests refused with 429, by the limit that refused them. */
type Rejections = Counter<'limit'>;

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
 * Zuora's limits (docs/CONTRACT.md §2), for tenants whose setting is not 'off', on authenticated
 * calls: right after authentication, before the body is read, a slot of the entity's concurrency is
 * taken (in memory, per instance) and the tenant's minute, hour and day counters are incremented (in
 * the database, shared by instances); the headers go on the response whatever its outcome.
 */
export function entityLimits(
  services: Pick<Services, 'limits'>,
  limitRejections: Rejections,
): onRequestAsyncHookHandler {
  return async function entityLimits(request, reply) {
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
      limitRejections.inc({ limit: 'concurrency' });
      throw refuse(
        `Too many requests: the entity already has ${limits.concurrency} requests in progress (concurrency limit).`,
        1,
      );
    }
    if (!rate.allowed) {
      limitRejections.inc({ limit: rate.exceeded ?? 'minute' });
      throw refuse(
        `Too many requests: the tenant's rate limit per ${rate.exceeded} was exceeded.`,
        rate.retryAfter ?? 1,
      );
    }
  };
}

/**
 * POST /oauth/token, once its form is parsed: the client it names is read (for its tenant, and for
 * the handler), and if the client's tenant has limits on, the caller's IP is counted.
 */
export function tokenClientLimit(
  services: Pick<Services, 'limits' | 'auth'>,
  limitRejections: Rejections,
): preHandlerAsyncHookHandler {
  return async function tokenClientLimit(request, reply) {
    // The one unauthenticated Zuora operation: its tenant is known only from the form's client_id.
    if (request.actor || request.routeOptions.url !== '/oauth/token') return;
    const clientId = (request.body as { client_id?: unknown } | undefined)?.client_id;
    if (typeof clientId !== 'string') return;
    const client = await services.auth.findClient(clientId);
    // The handler checks this same read's secret and status rather than reading the client again.
    request.tokenClient = { client };
    if (!client) return;
    const limits = await services.limits.limitsFor(client.tenantId);
    if (!limits) return;
    const rate = await services.limits.hitToken(client.tenantId, request.ip, limits);
    setRateHeaders(reply, rate);
    if (!rate.allowed) {
      limitRejections.inc({ limit: 'token' });
      throw refuse(
        `Too many requests: at most ${limits.tokenPerMinute} token requests a minute from one IP address.`,
        rate.retryAfter ?? 1,
      );
    }
  };
}
