import { useState } from 'preact/hooks';
import { admin, type FaultRule } from '../api.js';
import { ActionResult, Empty, ErrorBox, Table } from '../components.js';
import { InputField, SelectField } from '../forms.js';
import { useAction, useLoad } from '../hooks.js';
import type { TabProps } from './view.js';

const METHODS = [{ value: '', label: 'any' }, 'GET', 'POST', 'PUT', 'DELETE'];
const FAULTS = ['503', '500', '429', 'latency', 'drop'];

/** The tenant's fault rules: the form that adds one, and the rules in the order they are tried. */
export function FaultsTab({ token, tenantId, tick }: TabProps) {
  const base = `/tenants/${tenantId}/faults`;
  const rules = useLoad(
    () => admin<{ faultRules: FaultRule[] }>(token, 'GET', base).then((r) => r.faultRules),
    [token, tenantId, tick],
  );
  const action = useAction(rules.reload);
  const [method, setMethod] = useState('');
  const [path, setPath] = useState('/v1/**');
  const [fault, setFault] = useState('503');
  const [times, setTimes] = useState('');
  const [latencyMs, setLatencyMs] = useState('');
  const [trackId, setTrackId] = useState('');
  const add = (event: Event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { path, fault };
    if (method) body.method = method;
    if (times) body.times = Number(times);
    if (latencyMs) body.latencyMs = Number(latencyMs);
    if (trackId) body.trackId = trackId;
    void action.run('Fault rule added.', () => admin(token, 'POST', base, body));
  };
  const list = rules.data ?? [];
  return (
    <>
      <form onSubmit={add}>
        <fieldset class="grid-form">
          <legend>Add a fault rule</legend>
          <SelectField
            id="fault-method"
            label="Method"
            value={method}
            choices={METHODS}
            onValue={setMethod}
          />
          <InputField
            id="fault-path"
            label="Path (exact, route template, * or **)"
            required
            value={path}
            onValue={setPath}
          />
          <SelectField id="fault-kind" label="Fault" value={fault} choices={FAULTS} onValue={setFault} />
          <InputField
            id="fault-times"
            label="Times (empty: always)"
            type="number"
            min="1"
            value={times}
            onValue={setTimes}
          />
          <InputField
            id="fault-latency"
            label="Latency in ms (optional)"
            type="number"
            min="0"
            value={latencyMs}
            onValue={setLatencyMs}
          />
          <InputField
            id="fault-track"
            label="Only this Zuora-Track-Id (optional)"
            value={trackId}
            onValue={setTrackId}
          />
          <button type="submit" disabled={action.busy}>
            Add fault rule
          </button>
        </fieldset>
      </form>
      <ActionResult action={action} />
      <ErrorBox error={rules.error} />
      {list.length === 0 ? (
        <Empty>No fault rules: every request runs for real. Add one above to make requests fail.</Empty>
      ) : (
        <>
          <Table
            caption="Fault rules, tried in this order"
            columns={['Method', 'Path', 'Fault', 'Track id', 'Remaining', 'Matched', 'Actions']}
          >
            {list.map((rule) => (
              <tr key={rule.id}>
                <td>{rule.method ?? 'any'}</td>
                <td>
                  <code>{rule.path}</code>
                </td>
                <td>
                  {rule.fault}
                  {rule.latencyMs > 0 && rule.fault !== 'latency' ? ` +${rule.latencyMs} ms` : ''}
                  {rule.fault === 'latency' ? ` ${rule.latencyMs} ms` : ''}
                  {rule.rate !== null ? ` at rate ${rule.rate} (seed ${rule.seed})` : ''}
                </td>
                <td>{rule.trackId ?? ''}</td>
                <td>{rule.remaining ?? 'always'}</td>
                <td>{rule.matched}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Remove the ${rule.fault} rule on ${rule.path}`}
                    onClick={() =>
                      void action.run('Fault rule removed.', () =>
                        admin(token, 'DELETE', `${base}/${rule.id}`),
                      )
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </Table>
          <button
            type="button"
            onClick={() => void action.run('All fault rules removed.', () => admin(token, 'DELETE', base))}
          >
            Remove all fault rules
          </button>
        </>
      )}
    </>
  );
}
