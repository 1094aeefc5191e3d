import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { Services } from '../../services.js';

/** `GET /health`: 200 once the server can serve, which includes a database that answers. */
export function registerHealthRoute(app: FastifyInstance, services: Pick<Services, 'store'>): void {
  app.get('/health', { schema: { hide: true } }, async () => {
    if (!(await services.store.ping())) throw new AppError('UNAVAILABLE', 'The database is not reachable.');
    return { status: 'ok' };
  });
}
