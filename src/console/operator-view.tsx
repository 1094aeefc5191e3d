import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  type AdminUser,
  type AuditEvent,
  admin,
  type Clock,
  type CreatedTenant,
  type FaultRule,
  type JournalEntry,
  type LimitsAnswer,
  signInWithClient,
  type TenantDetail,
  type TenantSession,
  type TenantSummary,
} from './api.js';
import {
  ActionResult,
  Empty,
  ErrorBox,
  formatTime,
  Json,
  Section,
  useAction,
  useInterval,
  useLoad,
} from './components.js';
import { Tabs } from './tabs.js';

const EXAMPLE_TENANT = {
  name: 'Acme',
  entities: [
    {
      name: 'Global',
      locale: 'en_US',
      timezone: 'GMT',
      children: [
        { name: 'Acme-US', locale: 'en_US', timezone: 'America/Los_Angeles' },
        { name: 'Acme-EU', locale: 'de_DE', timezone: 'Europe/Berlin' },
      ],
    },
  ],
  users: [
    {
      username: 'admin@acme.test',
      homeEntity: 'Global',
      access: { Global: 'Administrator', 'Acme-US': 'Administrator', 'Acme-EU': 'Administrator' },
      clients: [{ entities: ['Global', 'Acme-US', 'Acme-EU'] }],
    },
    {
      username: 'eu-admin@acme.test',
      homeEntity: 'Acme-EU',
      access: { 'Acme-EU': 'Administrator' },
      clients: [{ entities: ['Acme-EU'] }],
    },
  ],
};

interface Props {
  token: string;
  onOpenTenant: (session: TenantSession) => void;
}

export function OperatorView({ token, onOpenTenant }: Props) {
  const [tick, setTick] = useState(0);
  const [auto, setAuto] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedTenant | null>(null);
  const tenants = useLoad(
    () => admin<{ tenants: TenantSummary[] }>(token, 'GET', '/tenants').then((r) => r.tenants),
    [token, tick],
  );
  const refresh = () => setTick((n) => n + 1);
  useInterval(auto, 3000, refresh);

  const list = tenants.data ?? [];
  useEffect(() => {
    if (selected !== null && tenants.data && !tenants.data.some((t) => t.id === selected)) setSelected(null);
    if (selected === null && list.length > 0) setSelected(list[0]?.id ?? null);
  }, [tenants.data]);

  return (
    <>
      <div class="view-head">
        <h1>Operator</h1>
        <RefreshControls auto={auto} setAuto={setAuto} refresh={refresh} />
      </div>
      <div class="columns">
        <Tenants
          token={token}
          tenants={list}
          error={tenants.error}
          selected={selected}
          onSelect={setSelected}
          onChanged={refresh}
        />
        <CreateTenant
          token={token}
          onCreated={(tenant) => {
            setCreated(tenant);
            setSelected(tenant.id);
            refresh();
          }}
          created={created}
        />
      </div>
      {selected !== null && (
        <TenantPanel
          key={selected}
          token={token}
          tenantId={selected}
          tick={tick}
          onOpenTenant={onOpenTenant}
        />
      )}
    </>
  );
}

export function RefreshControls({
  auto,
  setAuto,
  refresh,
}: {
  auto: boolean;
  setAuto: (on: boolean) => void;
  refresh: () => void;
}) {
  return (
    <div class="refresh">
      <button type="button" onClick={refresh}>
        Refresh
      </button>
      <label class="inline">
        <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.currentTarget.checked)} /> Refresh
        every 3 s
      </label>
    </div>
  );
}

function Tenants({
  token,
  tenants,
  error,
  selected,
  onSelect,
  onChanged,
}: {
  token: string;
  tenants: TenantSummary[];
  error: unknown;
  selected: string | null;
  onSelect: (id: string) => void;
  onChanged: () => void;
}) {
  const action = useAction(onChanged);
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <Section title="Tenants" id="tenants">
      <ErrorBox error={error} />
      {tenants.length === 0 ? (
        <Empty>No tenants yet. Create one from a fixture with the form beside this list.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tenants.map((tenant) => (
                <tr key={tenant.id} class={tenant.id === selected ? 'selected' : ''}>
                  <td>
                    <code>{tenant.id}</code>
                  </td>
                  <td>{tenant.name}</td>
                  <td>{formatTime(tenant.createdAt)}</td>
                  <td class="actions">
                    <button
                      type="button"
                      aria-pressed={tenant.id === selected}
                      aria-label={`Select tenant ${tenant.name} (${tenant.id})`}
                      onClick={() => onSelect(tenant.id)}
                    >
                      Select
                    </button>
                    <button
                      type="button"
                      disabled={!tenant.resettable || action.busy}
                      title={tenant.resettable ? undefined : 'This tenant keeps no fixture to reset to'}
                      aria-label={`Reset tenant ${tenant.name} (${tenant.id})`}
                      onClick={() =>
                        action.run(`Tenant ${tenant.id} reset to its fixture.`, () =>
                          admin(token, 'POST', `/tenants/${tenant.id}/reset`),
                        )
                      }
                    >
                      Reset
                    </button>
                    {confirming === tenant.id ? (
                      <>
                        <button
                          type="button"
                          class="danger"
                          aria-label={`Delete for good: tenant ${tenant.name} (${tenant.id}) and all its data`}
                          onClick={() => {
                            setConfirming(null);
                            void action.run(`Tenant ${tenant.id} deleted.`, () =>
                              admin(token, 'DELETE', `/tenants/${tenant.id}`),
                            );
                          }}
                        >
                          Delete for good
                        </button>
                        <button type="button" onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </>
                    ) : (
                      <button
                        type="button"
                        aria-label={`Delete tenant ${tenant.name} (${tenant.id})`}
                        onClick={() => setConfirming(tenant.id)}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ActionResult action={action} />
    </Section>
  );
}

function CreateTenant({
  token,
  onCreated,
  created,
}: {
  token: string;
  onCreated: (tenant: CreatedTenant) => void;
  created: CreatedTenant | null;
}) {
  const [text, setText] = useState(JSON.stringify(EXAMPLE_TENANT, null, 2));
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run('Tenant created.', async () => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new Error(`The fixture is not JSON: ${(error as Error).message}`);
      }
      onCreated(await admin<CreatedTenant>(token, 'POST', '/tenants', body));
    });
  };
  return (
    <Section title="Create a tenant from a fixture" id="create-tenant">
      <form onSubmit={submit}>
        <label for="fixture">
          One tenant in the fixture format (docs/FIXTURES.md); client ids and secrets may be left out
        </label>
        <textarea
          id="fixture"
          rows={12}
          spellcheck={false}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit" disabled={action.busy}>
          Create tenant
        </button>
      </form>
      <ActionResult action={action} />
      {created && created.clients.length > 0 && (
        <div class="created">
          <h3>Clients of tenant {created.id}: their secrets are shown only now</h3>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Client id</th>
                  <th scope="col">Client secret</th>
                </tr>
              </thead>
              <tbody>
                {created.clients.map((client) => (
                  <tr key={client.clientId}>
                    <td>{client.username}</td>
                    <td>
                      <code>{client.clientId}</code>
                    </td>
                    <td>
                      <code>{client.clientSecret}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </Section>
  );
}

function TenantPanel({
  token,
  tenantId,
  tick,
  onOpenTenant,
}: {
  token: string;
  tenantId: string;
  tick: number;
  onOpenTenant: (session: TenantSession) => void;
}) {
  const detail = useLoad(
    () => admin<TenantDetail>(token, 'GET', `/tenants/${tenantId}`),
    [token, tenantId, tick],
  );
  const names = new Map(Object.entries(detail.data?.entities ?? {}).map(([name, id]) => [id, name]));
  const entityName = (id: string | null) => (id === null ? '' : (names.get(id) ?? id));
  return (
    <section class="panel tenant-panel" aria-labelledby="tenant-panel-title">
      <h2 id="tenant-panel-title">
        Tenant {detail.data?.name ?? ''} <code>{tenantId}</code>
      </h2>
      <ErrorBox error={detail.error} />
      <Tabs
        label="Tenant"
        tabs={[
          {
            id: 'users',
            title: 'Users',
            render: () => (
              <UsersTab
                token={token}
                tenantId={tenantId}
                tick={tick}
                entityName={entityName}
                onOpenTenant={onOpenTenant}
              />
            ),
          },
          {
            id: 'clock',
            title: 'Clock',
            render: () => <ClockTab token={token} tenantId={tenantId} tick={tick} />,
          },
          {
            id: 'faults',
            title: 'Faults',
            render: () => <FaultsTab token={token} tenantId={tenantId} tick={tick} />,
          },
          {
            id: 'limits',
            title: 'Limits',
            render: () => <LimitsTab token={token} tenantId={tenantId} tick={tick} />,
          },
          {
            id: 'journal',
            title: 'Journal',
            render: () => <JournalTab token={token} tenantId={tenantId} tick={tick} />,
          },
          {
            id: 'audit',
            title: 'Audit trail',
            render: () => <AuditTab token={token} tenantId={tenantId} tick={tick} entityName={entityName} />,
          },
        ]}
      />
    </section>
  );
}

interface TabProps {
  token: string;
  tenantId: string;
  tick: number;
}

function UsersTab({
  token,
  tenantId,
  tick,
  entityName,
  onOpenTenant,
}: TabProps & { entityName: (id: string | null) => string; onOpenTenant: (session: TenantSession) => void }) {
  const users = useLoad(
    () => admin<{ users: AdminUser[] }>(token, 'GET', `/tenants/${tenantId}/users`).then((r) => r.users),
    [token, tenantId, tick],
  );
  const action = useAction();
  /**
   * The admin API issues no token itself: the console makes the user an OAuth client for the
   * entities the user can access (answered with its secret once), exchanges it for a token at
   * /oauth/token and forgets the secret. The client stays in the tenant (and its audit trail).
   */
  const openAs = (user: AdminUser) =>
    action.run(`Signed in as ${user.username}.`, async () => {
      const entities = [...new Set([user.homeEntityId, ...Object.keys(user.access)])];
      const client = await admin<{ clientId: string; clientSecret: string }>(
        token,
        'POST',
        `/tenants/${tenantId}/clients`,
        { user: user.id, entities },
      );
      onOpenTenant(
        await signInWithClient(client.clientId, client.clientSecret, {
          username: user.username,
          via: 'operator',
        }),
      );
    });
  const list = users.data ?? [];
  return (
    <>
      <ErrorBox error={users.error} />
      {list.length === 0 ? (
        <Empty>
          No users. Add them in the tenant's fixture (users[]), or with POST /admin/v1/tenants/{tenantId}
          /users.
        </Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Status</th>
                <th scope="col">Home entity</th>
                <th scope="col">Active access</th>
                <th scope="col">Tenant view</th>
              </tr>
            </thead>
            <tbody>
              {list.map((user) => (
                <tr key={user.id}>
                  <td>{user.username}</td>
                  <td>
                    <span class={`badge ${user.status}`}>{user.status}</span>
                  </td>
                  <td>{entityName(user.homeEntityId)}</td>
                  <td>
                    {Object.entries(user.access)
                      .map(([id, role]) => `${entityName(id)}: ${role}`)
                      .join(', ')}
                  </td>
                  <td>
                    <button
                      type="button"
                      disabled={user.status !== 'Active' || action.busy}
                      aria-label={`Open as this user: ${user.username}`}
                      onClick={() => void openAs(user)}
                    >
                      Open as this user
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ActionResult action={action} />
    </>
  );
}

const UNITS = ['days', 'hours', 'minutes', 'seconds'] as const;

function ClockTab({ token, tenantId, tick }: TabProps) {
  const [local, setLocal] = useState(0);
  const clock = useLoad(
    () => admin<Clock>(token, 'GET', `/tenants/${tenantId}/clock`),
    [token, tenantId, tick, local],
  );
  const action = useAction(() => setLocal((n) => n + 1));
  const [time, setTime] = useState('');
  const [freeze, setFreeze] = useState(false);
  const [amount, setAmount] = useState('1');
  const [unit, setUnit] = useState<(typeof UNITS)[number]>('hours');
  const path = `/tenants/${tenantId}/clock`;
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
            <div class="field">
              <label for="advance-amount">Amount</label>
              <input
                id="advance-amount"
                type="number"
                min="0"
                step="1"
                required
                value={amount}
                onInput={(e) => setAmount(e.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="advance-unit">Unit</label>
              <select
                id="advance-unit"
                value={unit}
                onChange={(e) => setUnit(e.currentTarget.value as (typeof UNITS)[number])}
              >
                {UNITS.map((u) => (
                  <option key={u} value={u}>
                    {u}
                  </option>
                ))}
              </select>
            </div>
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
            <div class="field">
              <label for="clock-set-time">Time (ISO 8601, e.g. 2030-01-01T00:00:00Z)</label>
              <input
                id="clock-set-time"
                required
                placeholder="2030-01-01T00:00:00Z"
                value={time}
                onInput={(e) => setTime(e.currentTarget.value)}
              />
            </div>
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

const FAULTS = ['503', '500', '429', 'latency', 'drop'];

function FaultsTab({ token, tenantId, tick }: TabProps) {
  const [local, setLocal] = useState(0);
  const rules = useLoad(
    () =>
      admin<{ faultRules: FaultRule[] }>(token, 'GET', `/tenants/${tenantId}/faults`).then(
        (r) => r.faultRules,
      ),
    [token, tenantId, tick, local],
  );
  const action = useAction(() => setLocal((n) => n + 1));
  const [method, setMethod] = useState('');
  const [path, setPath] = useState('/v1/**');
  const [fault, setFault] = useState('503');
  const [times, setTimes] = useState('');
  const [latencyMs, setLatencyMs] = useState('');
  const [trackId, setTrackId] = useState('');
  const base = `/tenants/${tenantId}/faults`;
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
          <div class="field">
            <label for="fault-method">Method</label>
            <select id="fault-method" value={method} onChange={(e) => setMethod(e.currentTarget.value)}>
              <option value="">any</option>
              {['GET', 'POST', 'PUT', 'DELETE'].map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="fault-path">Path (exact, route template, * or **)</label>
            <input id="fault-path" required value={path} onInput={(e) => setPath(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="fault-kind">Fault</label>
            <select id="fault-kind" value={fault} onChange={(e) => setFault(e.currentTarget.value)}>
              {FAULTS.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="fault-times">Times (empty: always)</label>
            <input
              id="fault-times"
              type="number"
              min="1"
              value={times}
              onInput={(e) => setTimes(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="fault-latency">Latency in ms (optional)</label>
            <input
              id="fault-latency"
              type="number"
              min="0"
              value={latencyMs}
              onInput={(e) => setLatencyMs(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="fault-track">Only this Zuora-Track-Id (optional)</label>
            <input id="fault-track" value={trackId} onInput={(e) => setTrackId(e.currentTarget.value)} />
          </div>
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
          <div class="table-wrap">
            <table>
              <caption>Fault rules, tried in this order</caption>
              <thead>
                <tr>
                  <th scope="col">Method</th>
                  <th scope="col">Path</th>
                  <th scope="col">Fault</th>
                  <th scope="col">Track id</th>
                  <th scope="col">Remaining</th>
                  <th scope="col">Matched</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
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
              </tbody>
            </table>
          </div>
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

const PROFILES = ['off', 'production', 'developer-sandbox', 'api-sandbox'];

function LimitsTab({ token, tenantId, tick }: TabProps) {
  const [local, setLocal] = useState(0);
  const limits = useLoad(
    () => admin<LimitsAnswer>(token, 'GET', `/tenants/${tenantId}/limits`),
    [token, tenantId, tick, local],
  );
  const action = useAction(() => setLocal((n) => n + 1));
  const [profile, setProfile] = useState('');
  const [perMinute, setPerMinute] = useState('');
  const current = limits.data?.settings.profile ?? 'off';
  const submit = (event: Event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { profile: profile || current };
    if (perMinute) body.perMinute = Number(perMinute);
    void action.run('Limits set.', () => admin(token, 'PUT', `/tenants/${tenantId}/limits`, body));
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
          <div class="field">
            <label for="limits-profile">Profile</label>
            <select
              id="limits-profile"
              value={profile || current}
              onChange={(e) => setProfile(e.currentTarget.value)}
            >
              {PROFILES.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="limits-per-minute">Requests per minute (optional override)</label>
            <input
              id="limits-per-minute"
              type="number"
              min="1"
              value={perMinute}
              onInput={(e) => setPerMinute(e.currentTarget.value)}
            />
          </div>
          <button type="submit" disabled={action.busy}>
            Set limits
          </button>
        </fieldset>
      </form>
      <ActionResult action={action} />
    </>
  );
}

function JournalTab({ token, tenantId, tick }: TabProps) {
  const [filters, setFilters] = useState({ path: '', status: '', trackId: '' });
  const [draft, setDraft] = useState(filters);
  const [local, setLocal] = useState(0);
  const journal = useLoad(() => {
    const query = new URLSearchParams({ limit: '100' });
    if (filters.path) query.set('path', filters.path);
    if (filters.status) query.set('status', filters.status);
    if (filters.trackId) query.set('trackId', filters.trackId);
    return admin<{ requests: JournalEntry[] }>(token, 'GET', `/tenants/${tenantId}/journal?${query}`).then(
      (r) => r.requests,
    );
  }, [token, tenantId, tick, filters, local]);
  const action = useAction(() => setLocal((n) => n + 1));
  const list = journal.data ?? [];
  const filtered = filters.path !== '' || filters.status !== '' || filters.trackId !== '';
  return (
    <>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        <fieldset class="grid-form">
          <legend>Filter</legend>
          <div class="field">
            <label for="journal-path">Route or path (* and ** allowed)</label>
            <input
              id="journal-path"
              placeholder="/v1/entity-connections/**"
              value={draft.path}
              onInput={(e) => setDraft({ ...draft, path: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="journal-status">HTTP status</label>
            <input
              id="journal-status"
              type="number"
              min="0"
              max="599"
              value={draft.status}
              onInput={(e) => setDraft({ ...draft, status: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="journal-track">Zuora-Track-Id</label>
            <input
              id="journal-track"
              value={draft.trackId}
              onInput={(e) => setDraft({ ...draft, trackId: e.currentTarget.value })}
            />
          </div>
          <button type="submit">Apply filter</button>
        </fieldset>
      </form>
      <div class="button-row">
        <button
          type="button"
          onClick={() =>
            void action.run('Journal cleared.', () => admin(token, 'DELETE', `/tenants/${tenantId}/journal`))
          }
        >
          Clear journal
        </button>
      </div>
      <ActionResult action={action} />
      <ErrorBox error={journal.error} />
      {list.length === 0 ? (
        <Empty>
          {filtered
            ? 'No request matches this filter. Clear a field and apply the filter again.'
            : "No requests yet. Call the tenant's API (the tenant view does) and refresh: each request appears here with its response."}
        </Empty>
      ) : (
        <ol class="journal" aria-label="Requests, newest first">
          {list.map((entry) => (
            <li key={entry.requestId}>
              <details>
                <summary>
                  <span class={`status-code s${Math.floor(entry.status / 100)}`}>
                    {entry.status || 'dropped'}
                  </span>{' '}
                  <strong>{entry.method}</strong> <code>{entry.url}</code>{' '}
                  <span class="muted">
                    {formatTime(entry.at)} · {entry.durationMs} ms
                    {entry.trackId ? ` · track ${entry.trackId}` : ''}
                  </span>
                </summary>
                <div class="exchange">
                  <div>
                    <h4>Request headers</h4>
                    <Json value={entry.headers} />
                    <h4>Request body</h4>
                    <Json value={entry.body} />
                  </div>
                  <div>
                    <h4>Response {entry.status}</h4>
                    <Json value={entry.response} />
                    <p class="muted">Zuora-Request-Id {entry.requestId}</p>
                  </div>
                </div>
              </details>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

function AuditTab({
  token,
  tenantId,
  tick,
  entityName,
}: TabProps & { entityName: (id: string | null) => string }) {
  const [filters, setFilters] = useState({ action: '', resourceId: '' });
  const [draft, setDraft] = useState(filters);
  const events = useLoad(() => {
    const query = new URLSearchParams({ limit: '200' });
    if (filters.action) query.set('action', filters.action);
    if (filters.resourceId) query.set('resourceId', filters.resourceId);
    return admin<{ events: AuditEvent[] }>(token, 'GET', `/tenants/${tenantId}/audit?${query}`).then(
      (r) => r.events,
    );
  }, [token, tenantId, tick, filters]);
  const list = events.data ?? [];
  return (
    <>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        <fieldset class="grid-form">
          <legend>Filter</legend>
          <div class="field">
            <label for="audit-action">Action, e.g. connection.accept</label>
            <input
              id="audit-action"
              value={draft.action}
              onInput={(e) => setDraft({ ...draft, action: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="audit-resource">Resource id</label>
            <input
              id="audit-resource"
              value={draft.resourceId}
              onInput={(e) => setDraft({ ...draft, resourceId: e.currentTarget.value })}
            />
          </div>
          <button type="submit">Apply filter</button>
        </fieldset>
      </form>
      <ErrorBox error={events.error} />
      {list.length === 0 ? (
        <Empty>
          No changes recorded yet. Changes to entities, connections, access, users and clients appear here
          with who made them.
        </Empty>
      ) : (
        <ol class="journal" aria-label="Audit events, newest first">
          {list.map((event) => (
            <li key={event.id}>
              <details>
                <summary>
                  <strong>{event.action}</strong> <code>{event.resourceId}</code>{' '}
                  <span class="muted">
                    {formatTime(event.at)}
                    {event.userId ? ` · user ${event.userId}` : ''}
                    {event.entityId ? ` · in ${entityName(event.entityId)}` : ''}
                  </span>
                </summary>
                <div class="exchange">
                  <div>
                    <h4>Before</h4>
                    <Json value={event.before} />
                  </div>
                  <div>
                    <h4>After</h4>
                    <Json value={event.after} />
                    <p class="muted">
                      {event.resourceType}
                      {event.clientId ? ` · client ${event.clientId}` : ''}
                    </p>
                  </div>
                </div>
              </details>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
