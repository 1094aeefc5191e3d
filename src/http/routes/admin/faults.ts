import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  clearFaultRulesRoute,
  createFaultRuleRoute,
  deleteFaultRuleRoute,
  listFaultRulesRoute,
} from '../../../contract/admin-operations.js';
import type { FaultRule } from '../../../domain/fault-rules.js';
import type { Services } from '../../../services.js';

const toWire = (rule: FaultRule) => ({
  id: rule.id,
  method: rule.method,
  path: rule.path,
  trackId: rule.trackId,
  fault: rule.fault,
  latencyMs: rule.latencyMs,
  retryAfter: rule.retryAfter,
  remaining: rule.remaining,
  rate: rule.rate,
  seed: rule.seed,
  matched: rule.matched,
  createdAt: new Date(rule.createdAt).toISOString(),
});

/** `/admin/v1/tenants/{tenantId}/faults`: create, list and clear fault rules; delete one by id. */
export function registerAdminFaultRoutes(app: FastifyInstance, services: Pick<Services, 'faults'>): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const base = '/admin/v1/tenants/:tenantId/faults';

  api.post(base, { schema: createFaultRuleRoute }, async (request) => {
    const rule = await services.faults.create(request.params.tenantId, request.body);
    return { ...toWire(rule), success: true };
  });

  api.get(base, { schema: listFaultRulesRoute }, async (request) => {
    const rules = await services.faults.list(request.params.tenantId);
    return { faultRules: rules.map(toWire), success: true };
  });

  api.delete(base, { schema: clearFaultRulesRoute }, async (request) => {
    const deleted = await services.faults.clear(request.params.tenantId);
    return { deleted, success: true };
  });

  api.delete(`${base}/:ruleId`, { schema: deleteFaultRuleRoute }, async (request) => {
    await services.faults.remove(request.params.tenantId, request.params.ruleId);
    return { success: true };
  });
}
