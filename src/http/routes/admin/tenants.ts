import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  createTenantRoute,
  deleteTenantRoute,
  getTenantRoute,
  listTenantsRoute,
  resetTenantRoute,
} from '../../../contract/admin.js';
import type { Services } from '../../../services.js';
import { tenantSummaryView, tenantView } from '../admin-views.js';

/** /admin/v1/tenants: a tenant per test, made from a fixture body, reset, deleted. */
export function registerAdminTenantRoutes(app: FastifyInstance, services: Pick<Services, 'admin'>): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post('/admin/v1/tenants', { schema: createTenantRoute }, async (request, reply) => {
    reply.code(201);
    const { detail, clients } = await services.admin.tenants.create(request.body);
    return { ...tenantView(detail), clients };
  });

  api.get('/admin/v1/tenants', { schema: listTenantsRoute }, async () => ({
    tenants: (await services.admin.tenants.list()).map(tenantSummaryView),
  }));

  api.get('/admin/v1/tenants/:tenantId', { schema: getTenantRoute }, async (request) =>
    tenantView(await services.admin.tenants.get(request.params.tenantId)),
  );

  api.delete('/admin/v1/tenants/:tenantId', { schema: deleteTenantRoute }, async (request, reply) => {
    await services.admin.tenants.delete(request.params.tenantId);
    return reply.code(204).send(null);
  });

  api.post('/admin/v1/tenants/:tenantId/reset', { schema: resetTenantRoute }, async (request) =>
    tenantView(await services.admin.tenants.reset(request.params.tenantId)),
  );
}
