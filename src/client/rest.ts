/**
 * @module client/rest
 * A client for one resource (group, version, plural): the verbs, with Kubernetes' paths and query
 * parameters, and errors turned back into the StatusError the server sent.
 */
import { StatusError } from '../machinery/status.js';
import type { Transport, Response } from './transport.js';

export interface GVR { group: string; version: string; resource: string; namespaced: boolean }
export interface ListOptions { labelSelector?: string; fieldSelector?: string; resourceVersion?: string; limit?: number; continue?: string; allowWatchBookmarks?: boolean; timeoutSeconds?: number }

function fail(r: Response): never {
  let st: any;
  try { st = JSON.parse(r.body); } catch { /* not a Status */ }
  if (st?.kind === 'Status') throw new StatusError(st.code ?? r.status, st.reason ?? '', st.message ?? '', st.details);
  throw new StatusError(r.status, 'InternalError', `unexpected answer ${r.status}: ${r.body.slice(0, 200)}`);
}

const query = (o: Record<string, unknown>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

export class ResourceClient {
  constructor(private readonly t: Transport, readonly gvr: GVR) {}

  path(ns = '', name = '', sub = ''): string {
    const { group, version, resource, namespaced } = this.gvr;
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const nsPart = namespaced && ns ? `/namespaces/${encodeURIComponent(ns)}` : '';
    return `${base}${nsPart}/${resource}${name ? `/${encodeURIComponent(name)}` : ''}${sub ? `/${sub}` : ''}`;
  }

  private async call(method: string, path: string, body?: unknown, contentType?: string): Promise<any> {
    const r = await this.t.request(method, path, body, contentType);
    if (r.status < 200 || r.status >= 300) fail(r);
    return r.body ? JSON.parse(r.body) : undefined;
  }

  get(ns: string, name: string): Promise<any> { return this.call('GET', this.path(ns, name)); }
  list(ns = '', o: ListOptions = {}): Promise<any> { return this.call('GET', this.path(ns) + query({ ...o })); }
  create(ns: string, obj: any): Promise<any> { return this.call('POST', this.path(ns), obj); }
  update(ns: string, obj: any): Promise<any> { return this.call('PUT', this.path(ns, obj.metadata.name), obj); }
  updateStatus(ns: string, obj: any): Promise<any> { return this.call('PUT', this.path(ns, obj.metadata.name, 'status'), obj); }
  patch(ns: string, name: string, patch: unknown, type: 'merge' | 'json' | 'strategic' = 'merge', sub = ''): Promise<any> {
    const ct = { merge: 'application/merge-patch+json', json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json' }[type];
    return this.call('PATCH', this.path(ns, name, sub), patch, ct);
  }
  delete(ns: string, name: string, opts: Record<string, unknown> = {}): Promise<any> {
    return this.call('DELETE', this.path(ns, name), Object.keys(opts).length ? { apiVersion: 'v1', kind: 'DeleteOptions', ...opts } : undefined);
  }

  /** Watch events as parsed objects ({type, object}); `onEnd` tells why it stopped (a Status error, or nothing when the server closed it). */
  watch(ns: string, o: ListOptions, onEvent: (ev: { type: string; object: any }) => void, onEnd: (err?: Error) => void): { stop(): void } {
    return this.t.stream(this.path(ns) + query({ ...o, watch: 1 }), (line) => onEvent(JSON.parse(line)), (err, status, body) => {
      if (err) return onEnd(err);
      if (status && status >= 300) { try { fail({ status, body: body ?? '' }); } catch (e) { return onEnd(e as Error); } }
      onEnd();
    });
  }
}
