import { setTimeout as sleep } from 'node:timers/promises';
import type { preHandlerAsyncHookHandler } from 'fastify';
import type { Counter } from 'prom-client';
import { AppError } from '../../domain/errors.js';
import type { Services } from '../../services.js';
import { journalEntry } from '../journal-entry.js';
import { tenantOf } from '../request-state.js';

/**
 * Fault rules (docs/ADMIN-API.md: Fault rules), a preHandler: after authentication and limits (the tenant
 * is known; for /oauth/token, the client's) and after the body is parsed (so the journal shows it),
 * before the idempotency claim (an injected failure is never stored as a key's response) and the
 * handler. A request whose body fails validation is answered 400 before any rule is tried.
 */
export function faultRules(
  services: Pick<Services, 'faults' | 'journal'>,
  faultsInjected: Counter<'fault'>,
): preHandlerAsyncHookHandler {
  return async function faultRules(request, reply) {
    const tenantId = tenantOf(request);
    if (tenantId === undefined) return;
    const plan = await services.faults.plan(tenantId, {
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      routeUrl: request.routeOptions.url,
      trackId: request.trackId,
    });
    if (plan.delayMs > 0) {
      faultsInjected.inc({ fault: 'latency' });
      await sleep(plan.delayMs);
    }
    const rule = plan.answer;
    if (!rule) return;
    if (rule.fault !== 'latency') faultsInjected.inc({ fault: rule.fault });
    request.log.info({ faultRuleId: rule.id, fault: rule.fault }, 'fault rule answered the request');
    switch (rule.fault) {
      case '429':
        throw new AppError('RATE_LIMITED', undefined, {
          headers: { 'Retry-After': String(rule.retryAfter ?? 1) },
        });
      case '500':
        throw new AppError('INJECTED_INTERNAL');
      case '503':
        throw new AppError(
          'INJECTED_UNAVAILABLE',
          undefined,
          rule.retryAfter === null ? undefined : { headers: { 'Retry-After': String(rule.retryAfter) } },
        );
      case 'drop':
        // No response at all: the client sees its socket closed (ECONNRESET or "socket hang up").
        services.journal.record(tenantId, journalEntry(request, 0, undefined, reply.elapsedTime));
        reply.hijack();
        request.raw.socket?.destroy();
        return;
    }
  };
}
