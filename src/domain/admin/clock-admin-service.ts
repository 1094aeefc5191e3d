import type { AdvanceClockBody, SetClockBody } from '../../contract/admin.js';
import { AppError } from '../errors.js';
import type { Store } from '../ports/index.js';
import { checkClockState, clockAdvanced, clockSetTo, REAL_TIME, type TenantClock } from '../tenant-clock.js';
import { type ClockReading, tenantOrThrow } from './admin-support.js';

const MINUTE_MS = 60_000;

/** The operator's control of one tenant's clock: read, set, advance, back to real time. */
export function createClockAdminService({
  store,
  clock,
}: {
  store: Pick<Store, 'findTenantOverview' | 'updateTenantState' | 'transaction' | 'lockTenant'>;
  clock: TenantClock;
}) {
  const reading = (state: ClockReading['state']): ClockReading => ({ now: clock.nowFor(state), state });

  return {
    async get(tenantId: string): Promise<ClockReading> {
      return reading((await tenantOrThrow(store, tenantId)).state.clock);
    },

    /** Sets the time the tenant sees (`time`), and whether it stands still (`frozen`); what is left out stays. */
    async set(tenantId: string, body: SetClockBody): Promise<ClockReading> {
      const { state } = await tenantOrThrow(store, tenantId);
      let time = clock.nowFor(state.clock);
      if (body.time !== undefined) {
        time = Date.parse(body.time);
        if (Number.isNaN(time))
          throw new AppError('VALIDATION_FAILED', 'Invalid value for time: not a date-time.');
      }
      const serverNow = clock.server.now();
      const next = checkClockState(
        clockSetTo(time, body.frozen ?? state.clock.frozenAt !== null, serverNow),
        serverNow,
        'time',
      );
      await store.updateTenantState(tenantId, { clock: next });
      return reading(next);
    },

    async advance(tenantId: string, body: AdvanceClockBody): Promise<ClockReading> {
      const ms =
        (body.milliseconds ?? 0) +
        (body.seconds ?? 0) * 1000 +
        (body.minutes ?? 0) * MINUTE_MS +
        (body.hours ?? 0) * 60 * MINUTE_MS +
        (body.days ?? 0) * 24 * 60 * MINUTE_MS;
      // Read (the row locked) and write in one transaction, so two advances at once add up.
      const next = await store.transaction(async (tx) => {
        await tx.lockTenant(tenantId, 'hierarchy');
        const overview = await tx.findTenantOverview(tenantId);
        if (!overview) throw new AppError('TENANT_NOT_FOUND');
        const fields = Object.keys(body).join(', ') || 'the amounts';
        const moved = checkClockState(clockAdvanced(overview.state.clock, ms), clock.server.now(), fields);
        await tx.updateTenantState(tenantId, { clock: moved });
        return moved;
      });
      return reading(next);
    },

    async reset(tenantId: string): Promise<ClockReading> {
      await tenantOrThrow(store, tenantId);
      await store.updateTenantState(tenantId, { clock: REAL_TIME });
      return reading(REAL_TIME);
    },
  };
}
