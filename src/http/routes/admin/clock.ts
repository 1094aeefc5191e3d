import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { advanceClockRoute, getClockRoute, resetClockRoute, setClockRoute } from '../../../contract/admin.js';
import type { Services } from '../../../services.js';

/** /admin/v1/tenants/{id}/clock: the time one tenant's requests see. */
export function registerAdminClockRoutes(app: FastifyInstance, services: Pick<Services, 'admin'>): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const url = '/admin/v1/tenants/:tenantId/clock';

  api.get(url, { schema: getClockRoute }, async (request) =>
    services.admin.getClock(request.params.tenantId),
  );
  api.put(url, { schema: setClockRoute }, async (request) =>
    services.admin.setClock(request.params.tenantId, request.body),
  );
  api.delete(url, { schema: resetClockRoute }, async (request) =>
    services.admin.resetClock(request.params.tenantId),
  );
  api.post(`${url}/advance`, { schema: advanceClockRoute }, async (request) =>
    services.admin.advanceClock(request.params.tenantId, request.body),
  );
}
