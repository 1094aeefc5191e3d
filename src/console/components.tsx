import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';

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

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads on mount and whenever `deps` or the refresh counter change; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const call = ++latest.current;
    setLoading(true);
    load().then(
      (value) => {
        if (call !== latest.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (call !== latest.current) return;
        setError(failure);
        setLoading(false);
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

export interface Action {
  busy: boolean;
  error: unknown;
  done: string | null;
  run: (label: string, work: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
}

/** Runs one user action at a time; remembers its failure (shown by ErrorBox) or its success message. */
export function useAction(afterSuccess?: () => void): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = async (label: string, work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await work();
      setDone(label);
      afterSuccess?.();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return {
    busy,
    error,
    done,
    run,
    clear: () => {
      setError(null);
      setDone(null);
    },
  };
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

/** Re-runs `onTick` every `ms` while `enabled`. */
export function useInterval(enabled: boolean, ms: number, onTick: () => void) {
  const saved = useRef(onTick);
  saved.current = onTick;
  useEffect(() => {
    if (!enabled) return undefined;
    const timer = setInterval(() => saved.current(), ms);
    return () => clearInterval(timer);
  }, [enabled, ms]);
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
