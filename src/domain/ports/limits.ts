import type { LimitSettings } from '../model.js';

/** Per-tenant limit settings and the rate counters shared by instances (domain/rate-limits.ts). */
export interface LimitStore {
  findTenantLimits(tenantId: string): Promise<LimitSettings | undefined>;
  setTenantLimits(tenantId: string, settings: LimitSettings, now: number): Promise<void>;
  /** Adds one to each counter (creating it at 1) in one statement; answers the new counts in order. */
  incrementRateCounters(
    counters: { scope: string; windowStart: number; expiresAt: number }[],
  ): Promise<number[]>;
  deleteExpiredRateCounters(now: number): Promise<number>;
}
