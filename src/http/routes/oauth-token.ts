import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { tokenRoute } from '../../contract/oauth.js';
import type { Services } from '../../services.js';

export function registerOAuthTokenRoute(app: FastifyInstance, services: Pick<Services, 'auth'>): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/oauth/token',
    {
      schema: tokenRoute,
      // A request with no body at all is an empty form: the service names the first missing field
      // (category 22) rather than the validator refusing a missing object (category 20).
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request) => services.auth.issueToken(request.body, request.tokenClient),
  );
}
