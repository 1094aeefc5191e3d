import { useState } from 'preact/hooks';
import { admin, type Clock } from '../api.js';
import { ActionResult, ErrorBox, formatTime } from '../components.js';
import { InputField, SelectField } from '../forms.js';
import { useAction, useLoad } from '../hooks.js';
import type { TabProps } from './view.js';

const UNITS = ['days', 'hours', 'minutes', 'seconds'] as const;

/** The tenant's clock: what time it is there, and the forms that move, set, freeze or reset it. */
export function ClockTab({ token, tenantId, tick }: TabProps) {
  const path = `/tenants/${tenantId}/clock`;
  const clock = useLoad(() => admin<Clock>(token, 'GET', path), [token, tenantId, tick]);
  const action = useAction(clock.reload);
  const [time, setTime] = useState('');
  const [freeze, setFreeze] = useState(false);
  const [amount, setAmount] = useState('1');
  const [unit, setUnit] = useState<(typeof UNITS)[number]>('hours');
  const data = clock.data;
  return (
    <>
      <ErrorBox error={clock.error} />
      {data && (
        <dl class="facts">
          <dt>Tenant time</dt>
          <dd data-testid="clock-time">{formatTime(data.time)}</dd>
          <dt>State</dt>
          <dd>{data.frozen ? 'Frozen' : 'Running'}</dd>
          <dt>Ahead of the server by</dt>
          <dd>
            {data.frozen
              ? `${describeOffset(Date.parse(data.time) - Date.now())}, and falling behind while frozen`
              : describeOffset(data.offsetMs)}
          </dd>
        </dl>
      )}
      <div class="forms">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const n = Number(amount);
            void action.run(`Clock advanced by ${n} ${unit}.`, () =>
              admin(token, 'POST', `${path}/advance`, { [unit]: n }),
            );
          }}
        >
          <fieldset>
            <legend>Advance</legend>
            <InputField
              id="advance-amount"
              label="Amount"
              type="number"
              min="0"
              step="1"
              required
              value={amount}
              onValue={setAmount}
            />
            <SelectField id="advance-unit" label="Unit" value={unit} choices={UNITS} onValue={setUnit} />
            <button type="submit" disabled={action.busy}>
              Advance clock
            </button>
          </fieldset>
        </form>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void action.run('Clock set.', () =>
              admin(token, 'PUT', path, { time: new Date(time).toISOString(), frozen: freeze }),
            );
          }}
        >
          <fieldset>
            <legend>Set</legend>
            <InputField
              id="clock-set-time"
              label="Time (ISO 8601, e.g. 2030-01-01T00:00:00Z)"
              required
              placeholder="2030-01-01T00:00:00Z"
              value={time}
              onValue={setTime}
            />
            <label class="inline">
              <input type="checkbox" checked={freeze} onChange={(e) => setFreeze(e.currentTarget.checked)} />{' '}
              Frozen
            </label>
            <button type="submit" disabled={action.busy}>
              Set clock
            </button>
          </fieldset>
        </form>
        <div class="button-row">
          <button
            type="button"
            disabled={action.busy || !data}
            onClick={() =>
              void action.run(data?.frozen ? 'Clock running.' : 'Clock frozen.', () =>
                admin(token, 'PUT', path, { frozen: !data?.frozen }),
              )
            }
          >
            {data?.frozen ? 'Unfreeze' : 'Freeze'}
          </button>
          <button
            type="button"
            disabled={action.busy}
            onClick={() => void action.run('Clock back to real time.', () => admin(token, 'DELETE', path))}
          >
            Back to real time
          </button>
        </div>
      </div>
      <ActionResult action={action} />
    </>
  );
}

/** An offset in words, largest unit first: "1 d 2 h", "-30 min". */
function describeOffset(ms: number): string {
  if (ms === 0) return 'nothing (real time)';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const parts: string[] = [];
  for (const [size, name] of [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${name}`);
    rest -= n * size;
  }
  return parts.length === 0 ? `${ms} ms` : `${sign}${parts.join(' ')}`;
}
