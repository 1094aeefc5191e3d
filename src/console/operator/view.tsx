import { useEffect, useState } from 'preact/hooks';
import {
  admin,
  type CreatedTenant,
  type TenantDetail,
  type TenantSession,
  type TenantSummary,
} from '../api.js';
import { ErrorBox, ViewHead } from '../components.js';
import { useLoad, useRefresh } from '../hooks.js';
import { Tabs } from '../tabs.js';
import { AuditTab } from './audit-tab.js';
import { ClockTab } from './clock-tab.js';
import { FaultsTab } from './faults-tab.js';
import { JournalTab } from './journal-tab.js';
import { LimitsTab } from './limits-tab.js';
import { CreateTenant, TenantList } from './tenants.js';
import { UsersTab } from './users-tab.js';

interface Props {
  token: string;
  onOpenTenant: (session: TenantSession) => void;
}

/** The operator's view over the admin API: the tenants, and the selected tenant's tabs. */
export function OperatorView({ token, onOpenTenant }: Props) {
  const refresh = useRefresh();
  const { tick } = refresh;
  const [selected, setSelected] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedTenant | null>(null);
  const tenants = useLoad(
    () => admin<{ tenants: TenantSummary[] }>(token, 'GET', '/tenants').then((r) => r.tenants),
    [token, tick],
  );

  const list = tenants.data ?? [];
  useEffect(() => {
    if (selected !== null && tenants.data && !tenants.data.some((t) => t.id === selected)) setSelected(null);
    if (selected === null && list.length > 0) setSelected(list[0]?.id ?? null);
  }, [tenants.data]);

  return (
    <>
      <ViewHead title="Operator" refresh={refresh} />
      <div class="columns">
        <TenantList
          token={token}
          tenants={list}
          error={tenants.error}
          selected={selected}
          onSelect={setSelected}
          onChanged={refresh.refresh}
        />
        <CreateTenant
          token={token}
          onCreated={(tenant) => {
            setCreated(tenant);
            setSelected(tenant.id);
            refresh.refresh();
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

/** What every tab of the tenant panel is given: the tenant, and the view's refresh counter. */
export interface TabProps {
  token: string;
  tenantId: string;
  tick: number;
}

function TenantPanel({
  token,
  tenantId,
  tick,
  onOpenTenant,
}: TabProps & { onOpenTenant: (session: TenantSession) => void }) {
  const detail = useLoad(
    () => admin<TenantDetail>(token, 'GET', `/tenants/${tenantId}`),
    [token, tenantId, tick],
  );
  const names = new Map(Object.entries(detail.data?.entities ?? {}).map(([name, id]) => [id, name]));
  const entityName = (id: string | null) => (id === null ? '' : (names.get(id) ?? id));
  const tab = { token, tenantId, tick };
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
            render: () => <UsersTab {...tab} entityName={entityName} onOpenTenant={onOpenTenant} />,
          },
          { id: 'clock', title: 'Clock', render: () => <ClockTab {...tab} /> },
          { id: 'faults', title: 'Faults', render: () => <FaultsTab {...tab} /> },
          { id: 'limits', title: 'Limits', render: () => <LimitsTab {...tab} /> },
          { id: 'journal', title: 'Journal', render: () => <JournalTab {...tab} /> },
          { id: 'audit', title: 'Audit trail', render: () => <AuditTab {...tab} entityName={entityName} /> },
        ]}
      />
    </section>
  );
}
