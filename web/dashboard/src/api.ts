/**
 * How the page talks to the API server: every call carries the signed-in identity (a bearer
 * token kept in sessionStorage), or none when `skiff dashboard` proxies with a kubeconfig's
 * credentials. Errors come back as Kubernetes Status objects and are thrown as ApiError.
 */

const TOKEN_KEY = 'skiff.dashboard.token';

/** 'proxy' when served by `skiff dashboard` (index.html's meta tag, rewritten by the proxy). */
export const authMode: 'token' | 'proxy' =
  document.querySelector('meta[name="skiff-auth"]')?.getAttribute('content') === 'proxy' ? 'proxy' : 'token';

export function getToken(): string | null { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(t: string | null): void { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); }

export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) { super(message); }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { Accept: 'application/json', ...extra };
  const t = authMode === 'token' ? getToken() : null;
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const s = JSON.parse(text);
    if (s?.kind === 'Status') return new ApiError(res.status, s.reason ?? '', s.message ?? text);
  } catch { /* not a Status */ }
  return new ApiError(res.status, res.statusText, text.trim() || res.statusText);
}

export async function getJSON<T = any>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: headers(), signal, cache: 'no-store' });
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

export async function postJSON<T = any>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) });
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

/** GET a text endpoint (health checks): status and body, never throws on HTTP errors. */
export async function getText(path: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
  const res = await fetch(path, { headers: headers({ Accept: 'text/plain' }), signal, cache: 'no-store' });
  return { status: res.status, body: await res.text() };
}

export interface WatchEvent { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: any }

/**
 * A watch: newline-delimited JSON events streamed from `path?watch=true&resourceVersion=RV`, read
 * as they arrive. Resolves when the server ends the stream (the caller watches again from the last
 * resourceVersion it saw); rejects on an HTTP error.
 */
export async function watch(path: string, onEvents: (events: WatchEvent[]) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(path, { headers: headers(), signal, cache: 'no-store' });
  if (!res.ok || !res.body) throw await errorOf(res);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    const lines = buf.split('\n');
    buf = lines.pop()!;
    const events = lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as WatchEvent);
    if (events.length) onEvents(events);
  }
}

/** The namespace a ServiceAccount token belongs to (its JWT claims), to start there when the cluster scope is refused. */
export function tokenNamespace(): string | undefined {
  const t = getToken();
  if (!t) return undefined;
  try {
    const payload = JSON.parse(atob(t.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    return payload?.['kubernetes.io']?.namespace ?? (typeof payload?.sub === 'string' ? /^system:serviceaccount:([^:]+):/.exec(payload.sub)?.[1] : undefined);
  } catch { return undefined; }
}
