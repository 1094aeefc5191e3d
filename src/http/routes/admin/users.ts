import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { createUserRoute, deactivateUserRoute, listUsersRoute } from '../../../contract/admin.js';
import type { Services } from '../../../services.js';
import { userView } from '../admin-views.js';

/** /admin/v1/tenants/{id}/users: create, list, deactivate. */
export function registerAdminUserRoutes(app: FastifyInstance, services: Pick<Services, 'admin'>): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post('/admin/v1/tenants/:tenantId/users', { schema: createUserRoute }, async (request, reply) => {
    reply.code(201);
    return userView(await services.admin.users.createUser(request.params.tenantId, request.body));
  });

  api.get('/admin/v1/tenants/:tenantId/users', { schema: listUsersRoute }, async (request) => ({
    users: (await services.admin.users.listUsers(request.params.tenantId)).map(userView),
  }));

  api.post(
    '/admin/v1/tenants/:tenantId/users/:userId/deactivate',
    { schema: deactivateUserRoute },
    async (request) =>
      userView(await services.admin.users.deactivateUser(request.params.tenantId, request.params.userId)),
  );
}
