import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { clearJournalRoute, listJournalRoute } from '../../../contract/admin-operations.js';
import type { Services } from '../../../services.js';

/** `/admin/v1/tenants/{tenantId}/journal`: the tenant's recent requests, newest first; DELETE forgets them. */
export function registerAdminJournalRoutes(
  app: FastifyInstance,
  services: Pick<Services, 'journal' | 'admin'>,
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const base = '/admin/v1/tenants/:tenantId/journal';

  async function requireTenant(tenantId: string) {
    // The tenant's clock, read only for its TENANT_NOT_FOUND: one read without the fixture's JSON.
    await services.admin.clocks.get(tenantId);
  }

  api.get(base, { schema: listJournalRoute }, async (request) => {
    await requireTenant(request.params.tenantId);
    return { requests: services.journal.list(request.params.tenantId, request.query), success: true };
  });

  api.delete(base, { schema: clearJournalRoute }, async (request) => {
    await requireTenant(request.params.tenantId);
    services.journal.clear(request.params.tenantId);
    return { success: true };
  });
}
