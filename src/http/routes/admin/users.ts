import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { createUserRoute, deactivateUserRoute, listUsersRoute } from '../../../contract/admin.js';
import type { Services } from '../../../services.js';

/** /admin/v1/tenants/{id}/users: create, list, deactivate. */
export function registerAdminUserRoutes(app: FastifyInstance, services: Pick<Services, 'admin'>): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post('/admin/v1/tenants/:tenantId/users', { schema: createUserRoute }, async (request, reply) => {
    reply.code(201);
    return services.admin.createUser(request.params.tenantId, request.body);
  });

  api.get('/admin/v1/tenants/:tenantId/users', { schema: listUsersRoute }, async (request) => ({
    users: await services.admin.listUsers(request.params.tenantId),
  }));

  api.post(
    '/admin/v1/tenants/:tenantId/users/:userId/deactivate',
    { schema: deactivateUserRoute },
    async (request) => services.admin.deactivateUser(request.params.tenantId, request.params.userId),
  );
}
