import { AppError } from '../errors.js';
import type { Store } from '../ports/index.js';
import type { AdminDeps } from './admin-support.js';
import { createClockAdminService } from './clock-admin-service.js';
import { createTenantAdminService } from './tenant-admin-service.js';
import { createUserAdminService } from './user-admin-service.js';

/** The audit trail of a tenant, newest first. */
function createAuditAdminService({ store }: { store: Pick<Store, 'findTenant' | 'listAuditEvents'> }) {
  return {
    async list(tenantId: string, filter: { resourceId?: string; action?: string; limit?: number }) {
      if (!(await store.findTenant(tenantId))) throw new AppError('TENANT_NOT_FOUND');
      return store.listAuditEvents(tenantId, filter);
    },
  };
}

/**
 * The operator's services behind /admin/v1, one per concern: tenants from fixture bodies, users and
 * clients, clocks, the audit trail. Changes to a tenant run in that tenant's context, so they use
 * its clock and, for a seeded tenant, its ids.
 */
export function createAdminService(deps: AdminDeps) {
  return {
    tenants: createTenantAdminService(deps),
    users: createUserAdminService(deps),
    clocks: createClockAdminService(deps),
    audit: createAuditAdminService(deps),
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
