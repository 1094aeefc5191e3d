import type { ClockReading } from '../../domain/admin/admin-support.js';
import type { TenantDetail } from '../../domain/admin/tenant-admin-service.js';
import type { UserWithAccess } from '../../domain/admin/user-admin-service.js';
import type { AuditEvent, OAuthClient, Role } from '../../domain/model.js';
import type { TenantOverview } from '../../domain/ports/index.js';

/** The admin API's views of domain records (contract/admin.ts): the one place each changes shape. */

const iso = (ms: number) => new Date(ms).toISOString();

export const clockView = ({ now, state }: ClockReading) => ({
  time: iso(now),
  frozen: state.frozenAt !== null,
  offsetMs: state.offsetMs,
});

export const tenantSummaryView = ({ tenant, state, resettable }: TenantOverview) => ({
  id: tenant.id,
  name: tenant.name,
  apiVersion: tenant.apiVersion,
  createdAt: iso(tenant.createdAt),
  idSeed: state.idSeed,
  resettable,
});

export const tenantView = ({ overview, entities, users, clock }: TenantDetail) => ({
  ...tenantSummaryView(overview),
  globalEntityId: entities.find((e) => e.parentId === null)?.id ?? '',
  entities: Object.fromEntries(entities.map((e) => [e.name, e.id])),
  users: Object.fromEntries(users.map((u) => [u.username, u.id])),
  clock: clockView(clock),
});

/** A user with the entities it can access now, by role. */
export function userView({ user, memberships }: UserWithAccess) {
  const access: Record<string, Role> = {};
  for (const m of memberships) if (m.status === 'Active') access[m.entityId] = m.role;
  return {
    id: user.id,
    username: user.username,
    homeEntityId: user.homeEntityId,
    status: user.status,
    access,
  };
}

export const clientView = (client: OAuthClient) => ({
  clientId: client.clientId,
  userId: client.userId,
  entityIds: client.entityIds,
  status: client.status ?? 'Active',
});

export const auditView = (event: AuditEvent) => ({
  id: event.id,
  at: iso(event.at),
  action: event.action,
  resourceType: event.resourceType,
  resourceId: event.resourceId,
  userId: event.userId,
  clientId: event.clientId,
  entityId: event.entityId,
  before: event.before ?? null,
  after: event.after ?? null,
});
