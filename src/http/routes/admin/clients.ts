import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { createClientRoute, deactivateClientRoute, listClientsRoute } from '../../../contract/admin.js';
import type { Services } from '../../../services.js';
import { clientView } from '../admin-views.js';

/** /admin/v1/tenants/{id}/clients: OAuth clients; the secret is in the creation's answer only. */
export function registerAdminClientRoutes(app: FastifyInstance, services: Pick<Services, 'admin'>): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post('/admin/v1/tenants/:tenantId/clients', { schema: createClientRoute }, async (request, reply) => {
    reply.code(201);
    const { client, clientSecret } = await services.admin.users.createClient(
      request.params.tenantId,
      request.body,
    );
    return { ...clientView(client), clientSecret };
  });

  api.get('/admin/v1/tenants/:tenantId/clients', { schema: listClientsRoute }, async (request) => ({
    clients: (await services.admin.users.listClients(request.params.tenantId)).map(clientView),
  }));

  api.post(
    '/admin/v1/tenants/:tenantId/clients/:clientId/deactivate',
    { schema: deactivateClientRoute },
    async (request) =>
      clientView(
        await services.admin.users.deactivateClient(request.params.tenantId, request.params.clientId),
      ),
  );
}
