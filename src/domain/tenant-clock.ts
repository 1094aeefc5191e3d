import type { Clock } from './clock.js';
import { AppError } from './errors.js';
import type { TenantClockState } from './model.js';
import { currentTenantContext } from './tenant-context.js';

export type { TenantClockState } from './model.js';

export const REAL_TIME: TenantClockState = Object.freeze({ offsetMs: 0, frozenAt: null });

/**
 * The times a tenant's clock may read (docs/LIMITS.md, "Admin API times"): from the Unix epoch to
 * the last millisecond of year 9999, the range ISO 8601 writes with a four-digit year. Zuora's
 * date-times have four-digit years; JavaScript's Date cannot render beyond ±8.64e15 ms at all.
 */
export const MIN_TENANT_TIME = 0;
export const MAX_TENANT_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const TENANT_TIME_RANGE = '1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z';

/**
 * Refuses a clock state whose time is out of range now, before it is stored: such a state
 * could not be rendered (a 500 on every later request of the tenant until the clock is reset).
 * `field` names what the caller sent that led there.
 */
export function checkClockState(state: TenantClockState, serverNow: number, field: string): TenantClockState {
  const time = tenantTime(state, serverNow);
  if (!Number.isSafeInteger(time) || time < MIN_TENANT_TIME || time > MAX_TENANT_TIME) {
    throw new AppError(
      'VALIDATION_FAILED',
      `Invalid value for ${field}: the tenant's clock must read from ${TENANT_TIME_RANGE}.`,
    );
  }
  return state;
}

/** What a tenant's clock reads when the server's clock reads `serverNow`. */
export function tenantTime(state: TenantClockState, serverNow: number): number {
  return state.frozenAt ?? serverNow + state.offsetMs;
}

/** The state that makes the tenant's clock read `time` now, running or standing still. */
export function clockSetTo(time: number, frozen: boolean, serverNow: number): TenantClockState {
  return frozen ? { offsetMs: 0, frozenAt: time } : { offsetMs: time - serverNow, frozenAt: null };
}

/** The state moved forward by `ms`, running or frozen as it was. */
export function clockAdvanced(state: TenantClockState, ms: number): TenantClockState {
  return state.frozenAt === null
    ? { offsetMs: state.offsetMs + ms, frozenAt: null }
    : { offsetMs: state.offsetMs, frozenAt: state.frozenAt + ms };
}

export interface TenantClock extends Clock {
  /** The server's own clock, which no tenant setting moves. */
  readonly server: Clock;
  /** The time a tenant with this clock state sees, whatever the current context. */
  nowFor(state: TenantClockState): number;
}

/**
 * The one Clock the services receive. Inside a tenant's request (docs/ARCHITECTURE.md: "Per-tenant
 * clock and ids") it reads that tenant's clock; outside one (sweeps, start-up) the server's.
 */
export function createTenantClock(server: Clock): TenantClock {
  return {
    server,
    now() {
      const context = currentTenantContext();
      return context ? tenantTime(context.clock, server.now()) : server.now();
    },
    nowFor: (state) => tenantTime(state, server.now()),
  };
}
