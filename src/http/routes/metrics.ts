import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../plugins/metrics.js';

/** `GET /metrics`: Prometheus text format. Open like /health: it carries no tenant data. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
