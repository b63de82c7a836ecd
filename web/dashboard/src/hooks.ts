/** React glue: subscribe a view to a ResourceStore, poll a small endpoint. */
import { useEffect, useState, useSyncExternalStore } from 'react';
import { ResourceStore, type Kind, type StoreState } from './resources';

export function useResourceStore(kind: Kind, namespace: string, maxItems?: number): StoreState {
  const [store, setStore] = useState(() => new ResourceStore(kind, namespace, maxItems));
  useEffect(() => {
    let s = store;
    if (s.namespace !== namespace) { s = new ResourceStore(kind, namespace, maxItems); setStore(s); }
    return () => s.stop();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [namespace]);
  return useSyncExternalStore(store.subscribe, store.snapshot);
}

/** Call `fn` now and every `ms`, keeping the latest result (health checks, Leases). */
export function usePoll<T>(fn: (signal: AbortSignal) => Promise<T>, ms: number, deps: unknown[] = []): { value?: T; error?: Error } {
  const [state, setState] = useState<{ value?: T; error?: Error }>({});
  useEffect(() => {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try { const v = await fn(ac.signal); if (!ac.signal.aborted) setState({ value: v }); } catch (e) { if (!ac.signal.aborted) setState({ error: e as Error }); }
      if (!ac.signal.aborted) timer = setTimeout(tick, ms);
    };
    void tick();
    return () => { ac.abort(); clearTimeout(timer); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}

/** Re-render every `ms` (ages shown as "12s ago" keep moving). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => { const t = setInterval(() => setNow(Date.now()), ms); return () => clearInterval(t); }, [ms]);
  return now;
}

export function age(ts: string | undefined, now: number): string {
  if (!ts) return '';
  const s = Math.max(0, Math.round((now - Date.parse(ts)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d`;
}
