import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { listAuditRoute } from '../../../contract/admin.js';
import type { Services } from '../../../services.js';
import { auditView } from '../admin-views.js';

/** /admin/v1/tenants/{id}/audit: who changed what, newest first. */
export function registerAdminAuditRoutes(app: FastifyInstance, services: Pick<Services, 'admin'>): void {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .get('/admin/v1/tenants/:tenantId/audit', { schema: listAuditRoute }, async (request) => ({
      events: (await services.admin.audit.list(request.params.tenantId, request.query)).map(auditView),
    }));
}
