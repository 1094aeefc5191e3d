import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';

/**
 * `GET /health`: liveness. 200 whenever the process serves HTTP, with the database's state in the
 * body, so a lost database is reported without a supervisor restarting a healthy process for it.
 * `GET /ready` (routes/ready.ts) is the one that answers 503 while the database is away.
 */
export function registerHealthRoute(app: FastifyInstance, services: Pick<Services, 'database'>): void {
  app.get('/health', { schema: { hide: true } }, async () => ({
    status: 'ok',
    database: (await services.database.ping()) ? 'up' : 'down',
  }));
}
