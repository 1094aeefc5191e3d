import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { admin, type LimitsAnswer } from '../api.js';
import { ActionResult, Empty, ErrorBox } from '../components.js';
import { InputField, SelectField } from '../forms.js';
import { useAction, useLoad } from '../hooks.js';
import type { TabProps } from './view.js';

const PROFILES = ['off', 'production', 'developer-sandbox', 'api-sandbox'];

/** The tenant's rate and concurrency limits: the profile in force, its numbers, and the form that sets them. */
export function LimitsTab({ token, tenantId, tick }: TabProps) {
  const path = `/tenants/${tenantId}/limits`;
  const limits = useLoad(() => admin<LimitsAnswer>(token, 'GET', path), [token, tenantId, tick]);
  const action = useAction(limits.reload);
  const [profile, setProfile] = useState('');
  const [perMinute, setPerMinute] = useState('');
  const current = limits.data?.settings.profile ?? 'off';
  const submit = (event: Event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { profile: profile || current };
    if (perMinute) body.perMinute = Number(perMinute);
    void action.run('Limits set.', () => admin(token, 'PUT', path, body));
  };
  return (
    <>
      <ErrorBox error={limits.error} />
      {limits.data && (
        <>
          <p>
            Profile: <strong>{current}</strong>
          </p>
          {limits.data.limits === null ? (
            <Empty>
              Limits are off: no request of this tenant is ever throttled. Pick a profile to turn them on.
            </Empty>
          ) : (
            <dl class="facts">
              {Object.entries(limits.data.limits).map(([name, value]) => (
                <Fragment key={name}>
                  <dt>{name}</dt>
                  <dd>{value.toLocaleString('en-US')}</dd>
                </Fragment>
              ))}
            </dl>
          )}
        </>
      )}
      <form onSubmit={submit}>
        <fieldset class="grid-form">
          <legend>Set limits</legend>
          <SelectField
            id="limits-profile"
            label="Profile"
            value={profile || current}
            choices={PROFILES}
            onValue={setProfile}
          />
          <InputField
            id="limits-per-minute"
            label="Requests per minute (optional override)"
            type="number"
            min="1"
            value={perMinute}
            onValue={setPerMinute}
          />
          <button type="submit" disabled={action.busy}>
            Set limits
          </button>
        </fieldset>
      </form>
      <ActionResult action={action} />
    </>
  );
}
