import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { Services } from '../../services.js';

/** `GET /ready`: 200 when the database answers, else 503 in Zuora's envelope (take out of rotation). */
export function registerReadyRoute(app: FastifyInstance, services: Pick<Services, 'database'>): void {
  app.get('/ready', { schema: { hide: true } }, async () => {
    if (!(await services.database.ping()))
      throw new AppError('UNAVAILABLE', 'The database is not reachable.');
    return { status: 'ready' };
  });
}
