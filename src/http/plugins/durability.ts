import type { onSendAsyncHookHandler } from 'fastify';
import type { Services } from '../../services.js';

/**
 * The last onSend step of ours, after the idempotency key's error response is stored: a response to
 * a request that may have written goes out only once its commits are as durable as configured
 * (MULTIENTITY_DURABILITY=full: group commit, docs/PERFORMANCE.md).
 */
export function durabilityBarrier(services: Pick<Services, 'database'>): onSendAsyncHookHandler {
  return async function durabilityBarrier(request, _reply, payload) {
    if (request.method !== 'GET' && request.method !== 'HEAD') await services.database.flush();
    return payload;
  };
}
