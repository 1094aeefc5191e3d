import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { advanceClockRoute, getClockRoute, resetClockRoute, setClockRoute } from '../../../contract/admin.js';
import type { Services } from '../../../services.js';
import { clockView } from '../admin-views.js';

/** /admin/v1/tenants/{id}/clock: the time one tenant's requests see. */
export function registerAdminClockRoutes(app: FastifyInstance, services: Pick<Services, 'admin'>): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const url = '/admin/v1/tenants/:tenantId/clock';

  api.get(url, { schema: getClockRoute }, async (request) =>
    clockView(await services.admin.clocks.get(request.params.tenantId)),
  );
  api.put(url, { schema: setClockRoute }, async (request) =>
    clockView(await services.admin.clocks.set(request.params.tenantId, request.body)),
  );
  api.delete(url, { schema: resetClockRoute }, async (request) =>
    clockView(await services.admin.clocks.reset(request.params.tenantId)),
  );
  api.post(`${url}/advance`, { schema: advanceClockRoute }, async (request) =>
    clockView(await services.admin.clocks.advance(request.params.tenantId, request.body)),
  );
}
