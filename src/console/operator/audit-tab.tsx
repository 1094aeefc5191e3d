import { useState } from 'preact/hooks';
import { type AuditEvent, admin } from '../api.js';
import { Empty, ErrorBox, formatTime, Json, RecordItem, Records } from '../components.js';
import { emptyFilters, type FilterField, FilterForm, filterQuery } from '../forms.js';
import { useLoad } from '../hooks.js';
import type { TabProps } from './view.js';

type Filter = 'action' | 'resourceId';

const FILTERS: FilterField<Filter>[] = [
  { name: 'action', id: 'audit-action', label: 'Action, e.g. connection.accept' },
  { name: 'resourceId', id: 'audit-resource', label: 'Resource id' },
];

/** The tenant's changes, newest first, each with who made it and the resource before and after. */
export function AuditTab({
  token,
  tenantId,
  tick,
  entityName,
}: TabProps & { entityName: (id: string | null) => string }) {
  const [filters, setFilters] = useState(emptyFilters(FILTERS.map((field) => field.name)));
  const events = useLoad(
    () =>
      admin<{ events: AuditEvent[] }>(
        token,
        'GET',
        `/tenants/${tenantId}/audit?${filterQuery(200, filters)}`,
      ).then((r) => r.events),
    [token, tenantId, tick, filters],
  );
  const list = events.data ?? [];
  return (
    <>
      <FilterForm fields={FILTERS} onApply={setFilters} />
      <ErrorBox error={events.error} />
      {list.length === 0 ? (
        <Empty>
          No changes recorded yet. Changes to entities, connections, access, users and clients appear here
          with who made them.
        </Empty>
      ) : (
        <Records label="Audit events, newest first">
          {list.map((event) => (
            <RecordItem
              key={event.id}
              summary={
                <>
                  <strong>{event.action}</strong> <code>{event.resourceId}</code>{' '}
                  <span class="muted">
                    {formatTime(event.at)}
                    {event.userId ? ` · user ${event.userId}` : ''}
                    {event.entityId ? ` · in ${entityName(event.entityId)}` : ''}
                  </span>
                </>
              }
              left={
                <>
                  <h4>Before</h4>
                  <Json value={event.before} />
                </>
              }
              right={
                <>
                  <h4>After</h4>
                  <Json value={event.after} />
                  <p class="muted">
                    {event.resourceType}
                    {event.clientId ? ` · client ${event.clientId}` : ''}
                  </p>
                </>
              }
            />
          ))}
        </Records>
      )}
    </>
  );
}
