import type { FastifyRequest } from 'fastify';
import type { Bindings } from 'pino';

/**
 * Adds fields (the track id, the tenant and entity) to every later line of a request, `request
 * completed` included. Fastify makes one logger per request (its `reqId`), shared by request.log and
 * reply.log; pino's setBindings extends that logger in place, where a child logger would be one
 * more object per request, built on the request's logger as its prototype, and would have to be
 * handed to reply.log too. Nothing is bound when nothing is written: at `silent`, or without a
 * logger (Fastify's null logger has no setBindings).
 */
export function bindToRequestLog(request: FastifyRequest, bindings: Bindings): void {
  const log = request.log as FastifyRequest['log'] & { setBindings?: (bindings: Bindings) => void };
  if (log.level !== 'silent' && typeof log.setBindings === 'function') log.setBindings(bindings);
}
