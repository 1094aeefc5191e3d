// The domain's ports: one interface per aggregate, implemented by storage/sqlite and storage/postgres.
export type { AccessStore, UserWithMemberships } from './access.js';
export type { AuditStore } from './audit.js';
export type { ConnectionDirection, ConnectionPage, ConnectionStore } from './connections.js';
export type { EntityStore } from './entities.js';
export type { FaultStore } from './faults.js';
export type { IdempotencyRecord, IdempotencyStore } from './idempotency.js';
export type { LimitStore } from './limits.js';
export {
  type DatabaseLifecycle,
  type Store,
  type StoreOps,
  type Transactional,
  UniqueViolation,
} from './store.js';
export type { TenantOverview, TenantRuntime, TenantState, TenantStore } from './tenants.js';
export type { BearerRecord, TokenStore } from './tokens.js';
