import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again, as after an action that changed what was loaded. */
  reload: () => void;
}

/** Loads on mount and whenever `deps` change or `reload` is called; keeps the last data while reloading. */
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
  return { busy, error, done, run };
}

/** Re-runs `onTick` every `ms` while `enabled`. */
function useInterval(enabled: boolean, ms: number, onTick: () => void) {
  const saved = useRef(onTick);
  saved.current = onTick;
  useEffect(() => {
    if (!enabled) return undefined;
    const timer = setInterval(() => saved.current(), ms);
    return () => clearInterval(timer);
  }, [enabled, ms]);
}

/** A view's refresh: `tick` grows on each, by hand or every 3 s while `auto` (see RefreshControls). */
export interface Refresh {
  tick: number;
  refresh: () => void;
  auto: boolean;
  setAuto: (on: boolean) => void;
}

export function useRefresh(): Refresh {
  const [tick, setTick] = useState(0);
  const [auto, setAuto] = useState(false);
  const refresh = () => setTick((n) => n + 1);
  useInterval(auto, 3000, refresh);
  return { tick, refresh, auto, setAuto };
}
