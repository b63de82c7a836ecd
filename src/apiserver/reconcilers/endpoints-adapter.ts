/**
 * @module apiserver/reconcilers/endpoints-adapter
 * How the API server writes its own endpoints (Kubernetes' pkg/controlplane/reconcilers
 * EndpointsAdapter): the Endpoints `default/kubernetes` and the EndpointSlice
 * `default/kubernetes`, both listing the advertise address and the server's secure port as the
 * TCP port `https`. The objects carry exactly upstream's labels: the Endpoints is marked
 * `endpointslice.kubernetes.io/skip-mirror: "true"` (so EndpointSlice mirroring leaves it alone,
 * the server writes the slice itself) and the slice carries only `kubernetes.io/service-name`
 * (no managed-by label, so the EndpointSlice controller never takes it for its own).
 *
 * Writes go through the registry's store as `system:apiserver` with the read resourceVersion as a
 * precondition: an edit racing ours gives a 409 and we read again, never a blind overwrite.
 */
import { isIPv6 } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../../machinery/status.js';
import type { ResourceRegistry } from '../registry/resources.js';
import type { Store } from '../registry/store.js';
import { systemContext } from '../registry/loopback.js';

/** Kubernetes' discovery.LabelSkipMirror. */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
/** Kubernetes' discovery.LabelServiceName. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** A port of the API server's endpoints (core/v1 EndpointPort). */
export interface EndpointPort { name: string; port: number; protocol: 'TCP' | 'UDP' | 'SCTP' }

/** What one sync did to each object: nothing, created it, or put it back the way it must be. */
export type SyncResult = 'unchanged' | 'created' | 'updated';

/** Retries of one write after a conflict (upstream retries with retry.DefaultBackoff: 4 steps). */
const ATTEMPTS = 5;

/** The Endpoints the API server wants: one subset, the addresses in order, the ports as given. */
export function desiredEndpoints(namespace: string, name: string, ips: string[], ports: EndpointPort[]): any {
  return {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name, namespace, labels: { [SKIP_MIRROR_LABEL]: 'true' } },
    subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })) }],
  };
}

/** The address type of an IP (the slice of an IPv6 API server is IPv6). */
export function addressTypeOf(ip: string): 'IPv4' | 'IPv6' {
  return isIPv6(ip) ? 'IPv6' : 'IPv4';
}

/** The EndpointSlice the API server wants: every address ready, the ports as given. */
export function desiredEndpointSlice(namespace: string, name: string, addressType: 'IPv4' | 'IPv6', ips: string[], ports: EndpointPort[]): any {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { [SERVICE_NAME_LABEL]: name } },
    addressType,
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
  };
}

const labelsOf = (o: any): Record<string, string> => o?.metadata?.labels ?? {};

/** Reads and writes the Endpoints and EndpointSlice of one selectorless Service. */
export class EndpointsAdapter {
  private readonly endpoints: Store;
  private readonly slices: Store;

  constructor(private readonly registry: ResourceRegistry, readonly namespace: string, readonly serviceName: string) {
    this.endpoints = registry.storeFor(registry.find('', 'v1', 'endpoints')!);
    this.slices = registry.storeFor(registry.find('discovery.k8s.io', 'v1', 'endpointslices')!);
  }

  /**
   * Make both objects list exactly `ips` with `ports`. The first look is at the watch cache (cheap
   * enough to do on every change); a conflict or an "already exists" reads storage and tries again.
   */
  async sync(ips: string[], ports: EndpointPort[]): Promise<{ endpoints: SyncResult; endpointSlice: SyncResult }> {
    const endpoints = await this.syncEndpoints(ips, ports);
    const endpointSlice = await this.syncEndpointSlice(ips, ports);
    return { endpoints, endpointSlice };
  }

  private async current(store: Store, name: string, fresh: boolean): Promise<any | undefined> {
    if (!fresh) {
      const cache = this.registry.cacheFor(store);
      await cache.ready();
      const hit = cache.get(store.key(this.namespace, name));
      if (hit) return hit.obj;
    }
    try { return await store.get(this.namespace, name); } catch (e) {
      if (e instanceof StatusError && e.code === 404) return undefined;
      throw e;
    }
  }

  private async syncEndpoints(ips: string[], ports: EndpointPort[]): Promise<SyncResult> {
    const want = desiredEndpoints(this.namespace, this.serviceName, ips, ports);
    return this.retrying(async (fresh) => {
      const cur = await this.current(this.endpoints, this.serviceName, fresh);
      if (!cur) { await this.endpoints.create(this.namespace, structuredClone(want), systemContext()); return 'created'; }
      if (isDeepStrictEqual(cur.subsets ?? [], want.subsets) && isDeepStrictEqual(labelsOf(cur), want.metadata.labels)) return 'unchanged';
      const next = structuredClone(cur);
      next.metadata.labels = want.metadata.labels;
      next.subsets = want.subsets;
      await this.endpoints.update(this.namespace, this.serviceName, next, systemContext());
      return 'updated';
    });
  }

  private async syncEndpointSlice(ips: string[], ports: EndpointPort[]): Promise<SyncResult> {
    const addressType = addressTypeOf(ips[0] ?? '');
    const want = desiredEndpointSlice(this.namespace, this.serviceName, addressType, ips, ports);
    return this.retrying(async (fresh) => {
      // Any other slice claiming this Service (a stale one of the other family, one made by hand)
      // is not this server's idea of its endpoints: upstream deletes it, so do we.
      for (const other of await this.otherSlices()) await this.deleteSlice(other.metadata.name, undefined);
      const cur = await this.current(this.slices, this.serviceName, fresh);
      if (cur && cur.addressType !== addressType) {
        // addressType is immutable: the slice is made again.
        await this.deleteSlice(this.serviceName, cur.metadata.resourceVersion);
        await this.slices.create(this.namespace, structuredClone(want), systemContext());
        return 'created';
      }
      if (!cur) { await this.slices.create(this.namespace, structuredClone(want), systemContext()); return 'created'; }
      if (isDeepStrictEqual(cur.endpoints ?? [], want.endpoints) && isDeepStrictEqual(cur.ports ?? [], want.ports) && isDeepStrictEqual(labelsOf(cur), want.metadata.labels)) return 'unchanged';
      const next = structuredClone(cur);
      next.metadata.labels = want.metadata.labels;
      next.endpoints = want.endpoints;
      next.ports = want.ports;
      await this.slices.update(this.namespace, this.serviceName, next, systemContext());
      return 'updated';
    });
  }

  /** Slices labelled for this Service that are not the one the server writes. */
  private async otherSlices(): Promise<any[]> {
    const cache = this.registry.cacheFor(this.slices);
    await cache.ready();
    return cache.snapshot(this.slices.listPrefix(this.namespace)).map((c) => c.obj)
      .filter((s) => labelsOf(s)[SERVICE_NAME_LABEL] === this.serviceName && s.metadata.name !== this.serviceName && !s.metadata.deletionTimestamp);
  }

  private async deleteSlice(name: string, resourceVersion: string | undefined): Promise<void> {
    try {
      await this.slices.delete(this.namespace, name, { gracePeriodSeconds: 0, preconditions: resourceVersion ? { resourceVersion } : undefined }, systemContext());
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }

  /** Run `step`, again from storage after a conflict or an "already exists" (someone else wrote first). */
  private async retrying(step: (fresh: boolean) => Promise<SyncResult>): Promise<SyncResult> {
    for (let attempt = 0; ; attempt++) {
      try { return await step(attempt > 0); } catch (e) {
        if (!(e instanceof StatusError && e.code === 409) || attempt + 1 >= ATTEMPTS) throw e;
      }
    }
  }
}
