/**
 * @module controllers/namespace/deleter
 * Kubernetes' NamespacedResourcesDeleter: empty a terminating namespace of every namespaced
 * resource the server serves (by discovery, so CRDs are included), with deletecollection where a
 * resource has it and one delete per object where not, then release the namespace's `kubernetes`
 * finalizer through PUT /api/v1/namespaces/{name}/finalize so the API server removes it.
 *
 * Objects may outlive the delete (finalizers, pods' grace periods): then the namespace's
 * conditions say what remains and the caller is told how long to wait (ResourcesRemainingError).
 */
import { StatusError } from '../../machinery/status.js';
import type { Clientset } from '../../client/clientset.js';
import { serverPreferredResources, supports, type APIResource } from '../../client/discovery.js';
import { NamespaceConditionUpdater } from './conditions.js';

export const FINALIZER_KUBERNETES = 'kubernetes';
/** How long to expect finalizers to take when nothing better is known (Kubernetes' finalizerEstimateSeconds). */
const FINALIZER_ESTIMATE_SECONDS = 15;

export class ResourcesRemainingError extends Error {
  constructor(readonly estimateSeconds: number) { super(`some content remains in the namespace, estimate ${estimateSeconds} seconds before it is removed`); }
}

interface GVRDeletion { estimate: number; remaining: number; finalizers: Map<string, number> }

const notFound = (e: unknown) => e instanceof StatusError && e.code === 404;
const conflict = (e: unknown) => e instanceof StatusError && e.code === 409;

export class NamespacedResourcesDeleter {
  constructor(private readonly cs: Clientset) {}

  /** Bring a terminating namespace one step closer to gone; throws ResourcesRemainingError to be retried later. */
  async delete(name: string): Promise<void> {
    let ns: any;
    try { ns = await this.cs.namespaces.get('', name); } catch (e) { if (notFound(e)) return; throw e; }
    if (!ns.metadata.deletionTimestamp) return;
    ns = await this.markTerminating(ns);
    if (!ns || !(ns.spec?.finalizers ?? []).includes(FINALIZER_KUBERNETES)) return;
    const estimate = await this.deleteAllContent(ns);
    if (estimate > 0) throw new ResourcesRemainingError(estimate);
    await this.finalize(ns);
  }

  private async markTerminating(ns: any): Promise<any> {
    for (let attempt = 0; ; attempt++) {
      if (ns.status?.phase === 'Terminating') return ns;
      try { return await this.cs.namespaces.updateStatus('', { ...ns, status: { ...(ns.status ?? {}), phase: 'Terminating' } }); } catch (e) {
        if (notFound(e)) return undefined;
        if (!conflict(e) || attempt >= 5) throw e;
        try { ns = await this.cs.namespaces.get('', ns.metadata.name); } catch (e2) { if (notFound(e2)) return undefined; throw e2; }
      }
    }
  }

  private async finalize(ns: any): Promise<void> {
    const body = { ...ns, spec: { ...ns.spec, finalizers: (ns.spec?.finalizers ?? []).filter((f: string) => f !== FINALIZER_KUBERNETES) } };
    const r = await this.cs.transport.request('PUT', `/api/v1/namespaces/${encodeURIComponent(ns.metadata.name)}/finalize`, body);
    if (r.status === 404 || (r.status >= 200 && r.status < 300)) return;
    let st: any = {};
    try { st = JSON.parse(r.body); } catch { /* not a Status */ }
    throw new StatusError(st.code ?? r.status, st.reason ?? '', st.message ?? r.body.slice(0, 200));
  }

  /** Delete everything; the seconds to wait before checking again (0: the namespace is empty). */
  async deleteAllContent(ns: any): Promise<number> {
    const name = ns.metadata.name;
    const cond = new NamespaceConditionUpdater();
    const { resources, failed } = await serverPreferredResources(this.cs);
    if (failed.size) cond.discoveryFailed(failed);
    const errs: string[] = [];
    const byResource = new Map<string, number>();
    const byFinalizer = new Map<string, number>();
    let estimate = 0;
    for (const r of resources.filter((x) => x.namespaced && supports(x, 'delete', 'list'))) {
      try {
        const d = await this.deleteAllOf(r, name);
        if (d.estimate > estimate) estimate = d.estimate;
        if (d.remaining) byResource.set(`${r.resource}.${r.group}`, d.remaining);
        for (const [f, n] of d.finalizers) byFinalizer.set(f, (byFinalizer.get(f) ?? 0) + n);
      } catch (e) {
        errs.push((e as Error).message);
      }
    }
    cond.deleteContentFailed(errs);
    cond.contentTotals(byResource, byFinalizer);
    await this.writeConditions(name, cond);
    // Discovery that failed hides resources that may still hold content: not done yet.
    if (failed.size && !errs.length) errs.push(`discovery failed for ${[...failed.keys()].join(', ')}`);
    if (errs.length) throw new Error(`failed to delete all content of namespace ${name}: ${errs.join('; ')}`);
    return estimate;
  }

  private async writeConditions(name: string, cond: NamespaceConditionUpdater): Promise<void> {
    try {
      const cur = await this.cs.namespaces.get('', name);
      if (cond.update(cur)) await this.cs.namespaces.updateStatus('', cur);
    } catch (e) {
      // The next pass writes them again; a conflict or a namespace already gone is no failure.
      if (!notFound(e) && !conflict(e)) throw e;
    }
  }

  private async deleteAllOf(r: APIResource, ns: string): Promise<GVRDeletion> {
    const c = this.cs.resource(r);
    const estimate = r.group === '' && r.resource === 'pods' ? await this.estimateGracefulTermination(ns) : 0;
    // DeleteOptions as query parameters: the same to the server, and no DELETE body to send.
    const BACKGROUND = '?propagationPolicy=Background';
    let collected = false;
    if (supports(r, 'deletecollection')) {
      const res = await this.cs.transport.request('DELETE', c.path(ns) + BACKGROUND);
      if (res.status >= 200 && res.status < 300) collected = true;
      else if (res.status !== 404 && res.status !== 405) throw new Error(`deletecollection ${r.resource}.${r.group} in ${ns}: ${res.status} ${res.body.slice(0, 200)}`);
    }
    if (!collected) {
      for (const o of (await c.list(ns)).items ?? []) {
        if (o.metadata.deletionTimestamp) continue;
        const res = await this.cs.transport.request('DELETE', c.path(ns, o.metadata.name) + BACKGROUND);
        if (res.status >= 300 && res.status !== 404) throw new Error(`delete ${r.resource}.${r.group} ${ns}/${o.metadata.name}: ${res.status} ${res.body.slice(0, 200)}`);
      }
    }
    const left: any[] = (await c.list(ns)).items ?? [];
    if (!left.length) return { estimate: 0, remaining: 0, finalizers: new Map() };
    const finalizers = new Map<string, number>();
    for (const o of left) for (const f of o.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
    if (estimate) return { estimate, remaining: left.length, finalizers };
    if (finalizers.size) return { estimate: FINALIZER_ESTIMATE_SECONDS, remaining: left.length, finalizers };
    throw new Error(`unexpected items still remain in namespace: ${ns} for gvr: ${r.group}/${r.version}, Resource=${r.resource}`);
  }

  /** Pods may take their grace period to go: the longest one among those not yet finished. */
  private async estimateGracefulTermination(ns: string): Promise<number> {
    let estimate = 0;
    for (const p of (await this.cs.pods.list(ns)).items ?? []) {
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      const g = p.spec?.terminationGracePeriodSeconds;
      if (typeof g === 'number' && g > estimate) estimate = g;
    }
    return estimate;
  }
}
