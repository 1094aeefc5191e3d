import { LRUCache } from 'lru-cache';
import type { Clock } from './clock.js';
import { AppError } from './errors.js';
import type { LimitProfileName, LimitSettings, Limits } from './model.js';
import type { LimitStore, TenantStore } from './ports/index.js';

/**
 * Zuora's limits (docs/CONTRACT.md §2): requests per tenant over a minute, an hour and a day, requests in
 * flight per entity, and /oauth/token calls per tenant and client IP. The decisions here are pure; the counting
 * lives in the database (rate windows, so they hold across instances) and in memory (concurrency).
 */

export type { LimitProfileName, LimitSettings, Limits } from './model.js';

/**
 * Zuora publishes the per-minute quotas, the Default concurrency of 40 and 100 token calls a minute
 * per IP. It publishes no hour or day numbers: ours are 20 and 200 minutes' worth of the minute quota,
 * so a client that runs at the full minute rate is stopped by the hour window after 20 minutes and
 * one that averages above a sixth of it all day is stopped by the day window.
 */
function profile(perMinute: number): Limits {
  return {
    perMinute,
    perHour: perMinute * 20,
    perDay: perMinute * 200,
    concurrency: 40,
    tokenPerMinute: 100,
  };
}

export const LIMIT_PROFILES: Readonly<Record<LimitProfileName, Limits>> = {
  production: profile(50_000),
  'developer-sandbox': profile(12_500),
  'api-sandbox': profile(2_500),
};

/** The numbers a setting stands for; undefined when limits are off. */
export function resolveLimits(settings: LimitSettings | undefined): Limits | undefined {
  if (!settings || settings.profile === 'off') return undefined;
  const base = LIMIT_PROFILES[settings.profile];
  return {
    perMinute: settings.perMinute ?? base.perMinute,
    perHour: settings.perHour ?? base.perHour,
    perDay: settings.perDay ?? base.perDay,
    concurrency: settings.concurrency ?? base.concurrency,
    tokenPerMinute: settings.tokenPerMinute ?? base.tokenPerMinute,
  };
}

export type RateWindow = 'minute' | 'hour' | 'day';

export const WINDOW_MS: Readonly<Record<RateWindow, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** Fixed windows aligned on the epoch (UTC): every instance agrees on where a window starts. */
export function windowStart(now: number, window: RateWindow): number {
  return now - (now % WINDOW_MS[window]);
}

export interface WindowCount {
  window: RateWindow;
  limit: number;
  /** Requests counted in the current window, this one included. */
  count: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Zuora's RateLimit-Limit, -Remaining and -Reset (seconds until the window resets). */
  headers: { limit: number; remaining: number; reset: number };
  /** Seconds to wait when refused (Retry-After). */
  retryAfter?: number;
  /** The window that refused the request. */
  exceeded?: RateWindow;
}

/**
 * Decides on the counts after this request was counted. The headers describe the window with the
 * fewest requests left (the one that binds); when refused, the exceeded window that resets last,
 * since waiting for an earlier one would only meet the next refusal.
 */
export function decideRate(counts: WindowCount[], now: number): RateDecision {
  const described = counts.map((c) => ({
    ...c,
    remaining: Math.max(0, c.limit - c.count),
    reset: Math.max(1, Math.ceil((windowStart(now, c.window) + WINDOW_MS[c.window] - now) / 1000)),
  }));
  const over = described.filter((c) => c.count > c.limit);
  const pick = over.length
    ? over.reduce((a, b) => (b.reset > a.reset ? b : a))
    : described.reduce((a, b) => (b.remaining < a.remaining ? b : a));
  const headers = { limit: pick.limit, remaining: pick.remaining, reset: pick.reset };
  return over.length
    ? { allowed: false, headers, retryAfter: pick.reset, exceeded: pick.window }
    : { allowed: true, headers };
}

/** Concurrency after this request was let in, or a refusal when `inFlight` already fills the limit. */
export function decideConcurrency(limit: number, inFlight: number): { allowed: boolean; remaining: number } {
  if (inFlight >= limit) return { allowed: false, remaining: 0 };
  return { allowed: true, remaining: limit - inFlight - 1 };
}

export type RateCounterStore = LimitStore & Pick<TenantStore, 'findTenant'>;

export interface LimitServiceDeps {
  store: RateCounterStore;
  clock: Clock;
  /** The setting of tenants that have none of their own (MULTIENTITY_LIMITS). */
  defaultSettings?: LimitSettings;
  /** How long a tenant's setting is cached; a change made through another instance shows after it. */
  cacheMs?: number;
}

/** Concurrency is counted per instance: one more slot per instance at most, documented in docs/ADMIN-API.md. */
/** Tenants whose limit settings one instance keeps in memory at most. */
const TENANTS_CACHED = 10_000;

export function createLimitService({
  store,
  clock,
  defaultSettings = { profile: 'off' },
  cacheMs = 1000,
}: LimitServiceDeps) {
  // Bounded: a server used by many tenants keeps the most recently used ones' settings.
  const cache = new LRUCache<string, { limits: Limits | undefined }>({ max: TENANTS_CACHED, ttl: cacheMs });
  const inFlight = new Map<string, number>();
  let nextSweep = 0;

  async function sweep(now: number) {
    if (now < nextSweep) return;
    nextSweep = now + WINDOW_MS.minute;
    await store.deleteExpiredRateCounters(now);
  }

  async function count(scopes: { scope: string; window: RateWindow; limit: number }[]) {
    const now = clock.now();
    await sweep(now);
    const counts = await store.incrementRateCounters(
      scopes.map((s) => {
        const start = windowStart(now, s.window);
        return {
          scope: `${s.scope}:${s.window}`,
          windowStart: start,
          expiresAt: start + WINDOW_MS[s.window],
        };
      }),
    );
    return decideRate(
      scopes.map((s, i) => ({ window: s.window, limit: s.limit, count: counts[i] ?? 0 })),
      now,
    );
  }

  return {
    async settings(tenantId: string): Promise<LimitSettings> {
      if (!(await store.findTenant(tenantId))) throw new AppError('TENANT_NOT_FOUND');
      return (await store.findTenantLimits(tenantId)) ?? defaultSettings;
    },

    async setSettings(tenantId: string, settings: LimitSettings): Promise<LimitSettings> {
      if (!(await store.findTenant(tenantId))) throw new AppError('TENANT_NOT_FOUND');
      await store.setTenantLimits(tenantId, settings, clock.now());
      cache.delete(tenantId);
      return settings;
    },

    /** The tenant's limits, or undefined when off; cached for `cacheMs`. */
    async limitsFor(tenantId: string): Promise<Limits | undefined> {
      const hit = cache.get(tenantId);
      if (hit) return hit.limits;
      const limits = resolveLimits((await store.findTenantLimits(tenantId)) ?? defaultSettings);
      cache.set(tenantId, { limits });
      return limits;
    },

    /** Counts one API call of the tenant in its three windows, in one database statement. */
    hitTenant: (tenantId: string, limits: Limits) =>
      count([
        { scope: `tenant:${tenantId}`, window: 'minute', limit: limits.perMinute },
        { scope: `tenant:${tenantId}`, window: 'hour', limit: limits.perHour },
        { scope: `tenant:${tenantId}`, window: 'day', limit: limits.perDay },
      ]),

    /**
     * Counts one token request from an IP address to a tenant. Per tenant, as all of Zuora's limits
     * are (docs/CONTRACT.md §2: each tenant is its own service, with its own `/oauth/token` count), so
     * one tenant's token requests never push another tenant's clients into 429.
     */
    hitToken: (tenantId: string, ip: string, limits: Limits) =>
      count([{ scope: `token-ip:${tenantId}:${ip}`, window: 'minute', limit: limits.tokenPerMinute }]),

    /** Takes a slot for a request in the entity; `release` must be called once it is answered. */
    enter(entityId: string, limit: number): { allowed: boolean; remaining: number; release: () => void } {
      const current = inFlight.get(entityId) ?? 0;
      const decision = decideConcurrency(limit, current);
      if (!decision.allowed) return { ...decision, release: () => {} };
      inFlight.set(entityId, current + 1);
      let released = false;
      return {
        ...decision,
        release() {
          if (released) return;
          released = true;
          const left = (inFlight.get(entityId) ?? 1) - 1;
          if (left <= 0) inFlight.delete(entityId);
          else inFlight.set(entityId, left);
        },
      };
    },
  };
}

export type LimitService = ReturnType<typeof createLimitService>;
