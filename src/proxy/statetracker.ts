/**
 * @module proxy/statetracker
 * Keeps kube-proxy's view (ProxyState) current from Service and EndpointSlice events, and knows
 * which service ports changed since the last sync: the input of a partial sync. Event handlers only
 * mark a Service dirty; `snapshot()` recomputes the dirty ones from the informer caches (level
 * triggered, like upstream's change trackers) and compares each port's info and endpoints with
 * what the previous snapshot held.
 */
import { endpointsFor, serviceKeyOfSlice } from './endpointschangetracker.js';
import { servicePortsFor } from './servicechangetracker.js';
import type { EndpointInfo, ProxyState, ServicePortInfo } from './types.js';

export interface StateSources {
  /** The Service `namespace/name` from the cache, if it exists. */
  service(key: string): any | undefined;
  /** Every EndpointSlice labelled for Service `namespace/name`. */
  slicesFor(key: string): any[];
}

export interface Snapshot { state: ProxyState; changedIds: Set<string> }

export class ProxyStateTracker {
  private readonly dirty = new Set<string>();
  private readonly services = new Map<string, ServicePortInfo>();
  private readonly endpoints = new Map<string, EndpointInfo[]>();
  /** Port ids of each Service key, so a deleted Service's ports can be removed. */
  private readonly portsOf = new Map<string, string[]>();
  private readonly fingerprints = new Map<string, string>();

  constructor(private readonly src: StateSources, private readonly nodeName: string) {}

  onService(svc: any): void { this.dirty.add(`${svc.metadata.namespace}/${svc.metadata.name}`); }
  onSlice(slice: any): void { const k = serviceKeyOfSlice(slice); if (k) this.dirty.add(k); }
  /** Whether anything changed since the last snapshot. */
  pending(): boolean { return this.dirty.size > 0; }

  /** The current state and the service port ids that changed since the previous snapshot. */
  snapshot(node: { nodeIPs: string[]; clusterCIDR: string }): Snapshot {
    const changedIds = new Set<string>();
    for (const key of this.dirty) {
      const svc = this.src.service(key);
      const ports = svc ? servicePortsFor(svc) : [];
      const eps = ports.length ? endpointsFor(ports, this.src.slicesFor(key), this.nodeName) : new Map<string, EndpointInfo[]>();
      const ids = new Set(ports.map((p) => p.id));
      for (const old of this.portsOf.get(key) ?? []) {
        if (ids.has(old)) continue;
        this.services.delete(old);
        this.endpoints.delete(old);
        this.fingerprints.delete(old);
        changedIds.add(old);
      }
      for (const p of ports) {
        const list = eps.get(p.id) ?? [];
        const fp = JSON.stringify([p, [...list].sort((a, b) => (`${a.ip}:${a.port}` < `${b.ip}:${b.port}` ? -1 : 1))]);
        this.services.set(p.id, p);
        if (list.length) this.endpoints.set(p.id, list); else this.endpoints.delete(p.id);
        if (this.fingerprints.get(p.id) !== fp) { this.fingerprints.set(p.id, fp); changedIds.add(p.id); }
      }
      if (ports.length) this.portsOf.set(key, [...ids]); else this.portsOf.delete(key);
    }
    this.dirty.clear();
    // Copies: a proxier may keep the previous state while this tracker moves on.
    const state: ProxyState = { nodeName: this.nodeName, nodeIPs: node.nodeIPs, clusterCIDR: node.clusterCIDR, services: new Map(this.services), endpoints: new Map(this.endpoints) };
    return { state, changedIds };
  }
}
