import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { getLimitsRoute, setLimitsRoute } from '../../../contract/admin-operations.js';
import { type LimitSettings, resolveLimits } from '../../../domain/rate-limits.js';
import type { Services } from '../../../services.js';

const toWire = (settings: LimitSettings) => ({
  settings,
  limits: resolveLimits(settings) ?? null,
  success: true,
});

/** `/admin/v1/tenants/{tenantId}/limits`: the tenant's limit profile, read and set. */
export function registerAdminLimitRoutes(app: FastifyInstance, services: Pick<Services, 'limits'>): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const path = '/admin/v1/tenants/:tenantId/limits';

  api.get(path, { schema: getLimitsRoute }, async (request) =>
    toWire(await services.limits.settings(request.params.tenantId)),
  );

  api.put(path, { schema: setLimitsRoute }, async (request) =>
    toWire(await services.limits.setSettings(request.params.tenantId, request.body)),
  );
}
