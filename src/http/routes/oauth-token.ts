import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { tokenRoute } from '../../contract/oauth.js';
import type { Services } from '../../services.js';

export function registerOAuthTokenRoute(app: FastifyInstance, services: Pick<Services, 'auth'>): void {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .post('/oauth/token', { schema: tokenRoute }, async (request) =>
      services.auth.issueToken(request.body ?? {}),
    );
}
