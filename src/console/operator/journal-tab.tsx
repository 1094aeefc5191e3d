import { useState } from 'preact/hooks';
import { admin, type JournalEntry } from '../api.js';
import { ActionResult, Empty, ErrorBox, formatTime, Json, RecordItem, Records } from '../components.js';
import { emptyFilters, type FilterField, FilterForm, filterQuery } from '../forms.js';
import { useAction, useLoad } from '../hooks.js';
import type { TabProps } from './view.js';

type Filter = 'path' | 'status' | 'trackId';

const FILTERS: FilterField<Filter>[] = [
  {
    name: 'path',
    id: 'journal-path',
    label: 'Route or path (* and ** allowed)',
    placeholder: '/v1/entity-connections/**',
  },
  { name: 'status', id: 'journal-status', label: 'HTTP status', type: 'number', min: '0', max: '599' },
  { name: 'trackId', id: 'journal-track', label: 'Zuora-Track-Id' },
];

/** The tenant's requests, newest first, each with its response; filtered, and cleared. */
export function JournalTab({ token, tenantId, tick }: TabProps) {
  const [filters, setFilters] = useState(emptyFilters(FILTERS.map((field) => field.name)));
  const path = `/tenants/${tenantId}/journal`;
  const journal = useLoad(
    () =>
      admin<{ requests: JournalEntry[] }>(token, 'GET', `${path}?${filterQuery(100, filters)}`).then(
        (r) => r.requests,
      ),
    [token, tenantId, tick, filters],
  );
  const action = useAction(journal.reload);
  const list = journal.data ?? [];
  const filtered = Object.values(filters).some((value) => value !== '');
  return (
    <>
      <FilterForm fields={FILTERS} onApply={setFilters} />
      <div class="button-row">
        <button
          type="button"
          onClick={() => void action.run('Journal cleared.', () => admin(token, 'DELETE', path))}
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
        <Records label="Requests, newest first">
          {list.map((entry) => (
            <RecordItem
              key={entry.requestId}
              summary={
                <>
                  <span class={`status-code s${Math.floor(entry.status / 100)}`}>
                    {entry.status || 'dropped'}
                  </span>{' '}
                  <strong>{entry.method}</strong> <code>{entry.url}</code>{' '}
                  <span class="muted">
                    {formatTime(entry.at)} · {entry.durationMs} ms
                    {entry.trackId ? ` · track ${entry.trackId}` : ''}
                  </span>
                </>
              }
              left={
                <>
                  <h4>Request headers</h4>
                  <Json value={entry.headers} />
                  <h4>Request body</h4>
                  <Json value={entry.body} />
                </>
              }
              right={
                <>
                  <h4>Response {entry.status}</h4>
                  <Json value={entry.response} />
                  <p class="muted">Zuora-Request-Id {entry.requestId}</p>
                </>
              }
            />
          ))}
        </Records>
      )}
    </>
  );
}
