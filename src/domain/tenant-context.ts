import { AsyncLocalStorage } from 'node:async_hooks';
import type { IdGenerator } from './ids.js';
import type { TenantClockState } from './model.js';
import type { TenantState, TenantStore, Transactional } from './ports/index.js';
import { seededIds } from './seeded-ids.js';

/** What a request in a tenant needs to see that tenant's clock and make that tenant's ids. */
export interface TenantContext {
  tenantId: string;
  clock: TenantClockState;
  /** A seeded generator for this request's id sequence; null when the tenant has no seed. */
  ids: IdGenerator | null;
}

const storage = new AsyncLocalStorage<TenantContext>();

/** The tenant whose request is running, if any. */
export function currentTenantContext(): TenantContext | undefined {
  return storage.getStore();
}

/** Runs `fn` (and everything it awaits) as part of the tenant's request. */
export function runInTenantContext<T>(context: TenantContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * The one IdGenerator the services receive: inside a seeded tenant's request it answers that
 * request's seeded ids; everywhere else the random ones. Secrets are always random.
 */
export function createTenantIds(random: IdGenerator): IdGenerator {
  const current = () => storage.getStore()?.ids ?? random;
  return {
    hex32: () => current().hex32(),
    uuid: () => current().uuid(),
    secret: (length) => random.secret(length),
    tenantId: () => random.tenantId(),
  };
}

export interface TenantContextDeps {
  store: Transactional & Pick<TenantStore, 'findTenantRuntime'>;
  /** The random generator, which seeded ids fall back on for secrets. */
  random: IdGenerator;
}

/**
 * Opens a tenant's context for one request: its clock as stored now, and for a seeded tenant the
 * next id sequence (a write, so that every instance and every restart hands out a new one).
 */
export function createTenantContexts({ store, random }: TenantContextDeps) {
  return {
    /** `known`: the tenant's state as the caller has just read it, which saves reading it again. */
    async open(
      tenantId: string,
      known?: Pick<TenantState, 'idSeed' | 'clock'>,
    ): Promise<TenantContext | undefined> {
      const state = known ?? (await store.findTenantRuntime(tenantId));
      if (!state) return undefined;
      if (state.idSeed === null) return { tenantId, clock: state.clock, ids: null };
      const seed = state.idSeed;
      const sequence = await store.transaction((tx) => tx.nextIdSequence(tenantId));
      return { tenantId, clock: state.clock, ids: seededIds(seed, tenantId, sequence, random) };
    },
  };
}

export type TenantContexts = ReturnType<typeof createTenantContexts>;
