import { AppError } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { Journal } from '../journal.js';
import { type Store, type TenantOverview, UniqueViolation } from '../ports/index.js';
import type { TenantClock, TenantClockState } from '../tenant-clock.js';
import { runInTenantContext, type TenantContexts } from '../tenant-context.js';

/** What the admin services share: the operator's calls reach every table of a tenant. */
export interface AdminDeps {
  store: Store;
  clock: TenantClock;
  ids: IdGenerator;
  contexts: TenantContexts;
  /** This instance's request journal: a deleted or reset tenant starts with an empty one. */
  journal: Pick<Journal, 'clear'>;
}

/** Generated client secrets: 40 URL-safe characters (240 bits), within Zuora's 42. */
export const SECRET_LENGTH = 40;

/** A tenant's clock as read now: the time it shows and the state that gives it. */
export interface ClockReading {
  now: number;
  state: TenantClockState;
}

/** The tenant, its state and whether it can be reset, in one read; TENANT_NOT_FOUND when there is none. */
export async function tenantOrThrow(
  store: Pick<Store, 'findTenantOverview'>,
  tenantId: string,
): Promise<TenantOverview> {
  const overview = await store.findTenantOverview(tenantId);
  if (!overview) throw new AppError('TENANT_NOT_FOUND');
  return overview;
}

/** Runs `fn` in the tenant's context, so its writes take the tenant's clock and, if seeded, its ids. */
export async function inTenant<T>(
  contexts: TenantContexts,
  tenantId: string,
  fn: () => Promise<T>,
): Promise<T> {
  const context = await contexts.open(tenantId);
  if (!context) throw new AppError('TENANT_NOT_FOUND');
  return runInTenantContext(context, fn);
}

/** A write that broke a uniqueness constraint, as the admin API's error for what was taken. */
export function takenError(error: unknown): never {
  if (error instanceof UniqueViolation) {
    if (error.constraint.includes('client_id')) throw new AppError('CLIENT_ID_TAKEN');
    if (error.constraint.includes('username')) throw new AppError('USERNAME_TAKEN');
    throw new AppError(
      'FIXTURE_INVALID',
      'Invalid tenant: an entity or connection id is already used by another tenant.',
    );
  }
  throw error;
}
