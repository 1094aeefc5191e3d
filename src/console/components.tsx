import type { ComponentChildren } from 'preact';
import { ApiError } from './api.js';
import type { Action, Refresh } from './hooks.js';

/** A failure as the server worded it: Zuora's reason codes and messages, untouched. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  if (error instanceof ApiError) {
    return (
      <div class="error" role="alert">
        <p class="error-title">
          {error.status === 0 ? 'No answer' : `The server answered ${error.status}`}
          {error.processId ? ` (processId ${error.processId})` : ''}
        </p>
        <ul>
          {error.reasons.map((reason) => (
            <li key={`${reason.code}-${reason.message}`}>
              {reason.code !== 0 && <code class="reason-code">{reason.code}</code>} {reason.message}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <div class="error" role="alert">
      <p>{error instanceof Error ? error.message : String(error)}</p>
    </div>
  );
}

/** What an empty list means and what to do about it. */
export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Section({
  title,
  id,
  children,
  actions,
}: {
  title: string;
  id: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="panel" aria-labelledby={`${id}-title`}>
      <div class="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {actions && <div class="panel-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

/** The outcome of the last action: its error, or a polite status line. */
export function ActionResult({ action }: { action: Action }) {
  return (
    <>
      <ErrorBox error={action.error} />
      <p class="status" role="status">
        {action.done ?? ''}
      </p>
    </>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{value === undefined ? '' : JSON.stringify(value, null, 2)}</pre>;
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

/** A table of rows under a header row of column names. */
export function Table({
  columns,
  caption,
  children,
}: {
  columns: string[];
  caption?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A view's title, with its Refresh button and the switch that refreshes it every 3 s. */
export function ViewHead({ title, refresh }: { title: string; refresh: Refresh }) {
  return (
    <div class="view-head">
      <h1>{title}</h1>
      <div class="refresh">
        <button type="button" onClick={refresh.refresh}>
          Refresh
        </button>
        <label class="inline">
          <input
            type="checkbox"
            checked={refresh.auto}
            onChange={(e) => refresh.setAuto(e.currentTarget.checked)}
          />{' '}
          Refresh every 3 s
        </label>
      </div>
    </div>
  );
}

/** A list of records, newest first, each opening onto two columns (a request and its response, before and after). */
export function Records({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <ol class="journal" aria-label={label}>
      {children}
    </ol>
  );
}

export function RecordItem({
  summary,
  left,
  right,
}: {
  summary: ComponentChildren;
  left: ComponentChildren;
  right: ComponentChildren;
}) {
  return (
    <li>
      <details>
        <summary>{summary}</summary>
        <div class="exchange">
          <div>{left}</div>
          <div>{right}</div>
        </div>
      </details>
    </li>
  );
}
