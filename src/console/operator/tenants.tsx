import { useState } from 'preact/hooks';
import { admin, type CreatedTenant, type TenantSummary } from '../api.js';
import { ActionResult, Empty, ErrorBox, formatTime, Section, Table } from '../components.js';
import { useAction } from '../hooks.js';

/** The fixture the create form starts with: a global entity, two children, two administrators. */
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

export function TenantList({
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
        <Table columns={['Id', 'Name', 'Created', 'Actions']}>
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
        </Table>
      )}
      <ActionResult action={action} />
    </Section>
  );
}

export function CreateTenant({
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
          <Table columns={['User', 'Client id', 'Client secret']}>
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
          </Table>
        </div>
      )}
    </Section>
  );
}
