import {
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type onResponseAsyncHookHandler,
} from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseService } from '../../domain/database-service.js';

/**
 * The Prometheus metrics of one app (its own registry, so two apps in one process, as in tests, do
 * not share counters). Labels stay bounded: operations are Zuora's operationIds or route templates,
 * never raw paths or tenants.
 */
export function createMetrics(database: Pick<DatabaseService, 'ping' | 'poolStats'>) {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'multientity_' });
  return {
    registry,
    requests: new Counter({
      name: 'multientity_http_requests_total',
      help: 'HTTP requests answered, by operation, method and status.',
      labelNames: ['operation', 'method', 'status'] as const,
      registers,
    }),
    duration: new Histogram({
      name: 'multientity_http_request_duration_seconds',
      help: 'Time from the request arriving to the response sent, by operation.',
      labelNames: ['operation'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    idempotentReplays: new Counter({
      name: 'multientity_idempotent_replays_total',
      help: 'Responses replayed for a reused Idempotency-Key.',
      registers,
    }),
    limitRejections: new Counter({
      name: 'multientity_limit_rejections_total',
      help: "Requests refused with 429 by Zuora's limits, by limit: minute, hour, day, concurrency, token.",
      labelNames: ['limit'] as const,
      registers,
    }),
    faultsInjected: new Counter({
      name: 'multientity_faults_injected_total',
      help: 'Requests answered or delayed by a fault rule, by fault.',
      labelNames: ['fault'] as const,
      registers,
    }),
    databaseUp: new Gauge({
      name: 'multientity_database_up',
      help: '1 when the database answers, 0 when not (checked at each scrape).',
      registers,
      async collect() {
        this.set((await database.ping()) ? 1 : 0);
      },
    }),
    databasePool: new Gauge({
      name: 'multientity_database_pool_connections',
      help: 'Database connections by state: total, idle, and requests waiting for one (PostgreSQL pool; SQLite holds one).',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const stats = database.poolStats();
        if (!stats) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Zuora's operationId for the API's routes, else the route template; 'unmatched' for unknown paths. */
export function operationOf(request: FastifyRequest): string {
  const schema = request.routeOptions.schema as { operationId?: string } | undefined;
  return schema?.operationId ?? request.routeOptions.url ?? 'unmatched';
}

/**
 * One log line per request, `request completed`, instead of Fastify's two (`incoming request` when
 * the headers arrive, `request completed` at the end): the one line carries what both did (the
 * method and URL, the status, the time taken) and the request's logger, so its `reqId`, and once
 * known its `trackId`, `tenantId` and `entityId`. Formatting a line is the part of logging that
 * runs on the request's path (serve writes it later, cli/log-destination.ts), so one line
 * instead of two halves it (docs/PERFORMANCE.md, "Logging"). `incoming request` is still written at
 * `debug`, where knowing that a request has arrived is worth a second line. Fastify's other lines
 * (errors, streams, 404s) are left as they are.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      request.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      );
    } else {
      request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    }
  }
}

/** Counts the request by operation and status and observes its duration, once it is answered. */
export function countRequest(metrics: Metrics): onResponseAsyncHookHandler {
  return async function countRequest(request, reply) {
    const operation = operationOf(request);
    metrics.requests.inc({ operation, method: request.method, status: String(reply.statusCode) });
    metrics.duration.observe({ operation }, reply.elapsedTime / 1000);
    if (reply.getHeader('idempotent-replayed') === 'true') metrics.idempotentReplays.inc();
  };
}
