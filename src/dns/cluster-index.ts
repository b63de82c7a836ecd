/**
 * @module dns/cluster-index
 * What cluster DNS knows about the cluster: Services, their endpoints (merged from every
 * EndpointSlice of a Service, as CoreDNS's kubernetes plugin merges them) and pod IPs, with the
 * reverse maps a PTR query needs. The index is plain data fed by `upsert`/`delete` calls (from
 * informers in `watch.ts`, or straight from a unit test), so the record lookup over it
 * (`records.ts`) is a pure function that needs no server.
 */

/** EndpointSlices name their Service through this label (discovery.k8s.io/v1). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface ServicePortRecord { name: string; port: number; protocol: string }

/** A Service as DNS sees it. */
export interface ServiceRecord {
  namespace: string;
  name: string;
  /** spec.clusterIPs (empty for headless and ExternalName Services). */
  clusterIPs: string[];
  headless: boolean;
  /** spec.externalName of an ExternalName Service. */
  externalName?: string;
  ports: ServicePortRecord[];
}

/** One endpoint of an EndpointSlice. */
export interface EndpointRecord {
  addresses: string[];
  hostname?: string;
  /** conditions.ready; an unset condition counts as ready, as the EndpointSlice API says. */
  ready: boolean;
  targetRefName?: string;
}

interface SliceRecord { serviceKey: string; endpoints: EndpointRecord[]; ports: ServicePortRecord[] }

interface PodRecord { namespace: string; name: string; ips: string[] }

/** One ready endpoint address with the ports of the slice it came from. */
export interface EndpointAddress { ip: string; hostname?: string; targetRefName?: string; ports: ServicePortRecord[] }

const add = <K, V>(m: Map<K, Set<V>>, k: K, v: V) => { (m.get(k) ?? m.set(k, new Set()).get(k)!).add(v); };
const remove = <K, V>(m: Map<K, Set<V>>, k: K, v: V) => { const s = m.get(k); if (s) { s.delete(v); if (!s.size) m.delete(k); } };

/** Services, endpoints and pods by name and by IP; `generation` moves on every change. */
export class ClusterIndex {
  private services = new Map<string, ServiceRecord>();
  private slices = new Map<string, SliceRecord>();
  private slicesByService = new Map<string, Set<string>>();
  private serviceByClusterIP = new Map<string, Set<string>>();
  private slicesByIP = new Map<string, Set<string>>();
  private pods = new Map<string, PodRecord>();
  private podsByIP = new Map<string, Set<string>>();
  /** Bumped on every change, so answers cached for a generation are known stale. */
  generation = 0;

  upsertService(svc: any): void {
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    this.deleteServiceKey(key);
    const spec = svc.spec ?? {};
    const external = spec.type === 'ExternalName';
    const ips: string[] = external ? [] : (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter((ip: string) => ip && ip !== 'None');
    const rec: ServiceRecord = {
      namespace: svc.metadata.namespace, name: svc.metadata.name, clusterIPs: ips,
      headless: !external && spec.clusterIP === 'None',
      externalName: external ? spec.externalName : undefined,
      ports: (spec.ports ?? []).map((p: any) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    };
    this.services.set(key, rec);
    for (const ip of ips) add(this.serviceByClusterIP, ip, key);
    this.generation++;
  }

  deleteService(svc: any): void {
    this.deleteServiceKey(`${svc.metadata.namespace}/${svc.metadata.name}`);
    this.generation++;
  }

  private deleteServiceKey(key: string): void {
    const old = this.services.get(key);
    if (!old) return;
    for (const ip of old.clusterIPs) remove(this.serviceByClusterIP, ip, key);
    this.services.delete(key);
  }

  upsertEndpointSlice(slice: any): void {
    const key = `${slice.metadata.namespace}/${slice.metadata.name}`;
    this.deleteSliceKey(key);
    const svcName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    // FQDN slices carry names, not addresses: nothing DNS could put in an A record.
    if (svcName && (slice.addressType === 'IPv4' || slice.addressType === 'IPv6')) {
      const rec: SliceRecord = {
        serviceKey: `${slice.metadata.namespace}/${svcName}`,
        endpoints: (slice.endpoints ?? []).map((e: any) => ({
          addresses: e.addresses ?? [], hostname: e.hostname || undefined,
          ready: e.conditions?.ready !== false, targetRefName: e.targetRef?.name,
        })),
        ports: (slice.ports ?? []).map((p: any) => ({ name: p.name ?? '', port: p.port ?? -1, protocol: p.protocol ?? 'TCP' })),
      };
      this.slices.set(key, rec);
      add(this.slicesByService, rec.serviceKey, key);
      for (const e of rec.endpoints) for (const ip of e.addresses) add(this.slicesByIP, ip, key);
    }
    this.generation++;
  }

  deleteEndpointSlice(slice: any): void {
    this.deleteSliceKey(`${slice.metadata.namespace}/${slice.metadata.name}`);
    this.generation++;
  }

  private deleteSliceKey(key: string): void {
    const old = this.slices.get(key);
    if (!old) return;
    remove(this.slicesByService, old.serviceKey, key);
    for (const e of old.endpoints) for (const ip of e.addresses) remove(this.slicesByIP, ip, key);
    this.slices.delete(key);
  }

  upsertPod(pod: any): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    this.deletePodKey(key);
    const st = pod.status ?? {};
    // A pod being deleted or finished gives its IP back to IPAM: a record for it would lie.
    const gone = pod.metadata.deletionTimestamp || st.phase === 'Succeeded' || st.phase === 'Failed';
    const ips: string[] = gone ? [] : (st.podIPs?.map((p: any) => p.ip) ?? (st.podIP ? [st.podIP] : [])).filter(Boolean);
    if (ips.length) {
      this.pods.set(key, { namespace: pod.metadata.namespace, name: pod.metadata.name, ips });
      for (const ip of ips) add(this.podsByIP, ip, key);
    }
    this.generation++;
  }

  deletePod(pod: any): void {
    this.deletePodKey(`${pod.metadata.namespace}/${pod.metadata.name}`);
    this.generation++;
  }

  private deletePodKey(key: string): void {
    const old = this.pods.get(key);
    if (!old) return;
    for (const ip of old.ips) remove(this.podsByIP, ip, key);
    this.pods.delete(key);
  }

  /** The Service `namespace/name` (names are compared lower-case, as DNS compares them). */
  service(namespace: string, name: string): ServiceRecord | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  /** The ready endpoint addresses of a Service, over all its EndpointSlices. */
  readyEndpoints(namespace: string, name: string): EndpointAddress[] {
    const out: EndpointAddress[] = [];
    for (const sk of this.slicesByService.get(`${namespace}/${name}`) ?? []) {
      const s = this.slices.get(sk)!;
      for (const e of s.endpoints) {
        if (!e.ready) continue;
        for (const ip of e.addresses) out.push({ ip, hostname: e.hostname, targetRefName: e.targetRefName, ports: s.ports });
      }
    }
    return out;
  }

  /** Services whose ClusterIP is `ip`. */
  servicesByClusterIP(ip: string): ServiceRecord[] {
    return [...(this.serviceByClusterIP.get(ip) ?? [])].map((k) => this.services.get(k)!).filter(Boolean);
  }

  /** Ready endpoints with address `ip`, with the Service they belong to. */
  endpointsByIP(ip: string): { namespace: string; service: string; endpoint: EndpointAddress }[] {
    const out: { namespace: string; service: string; endpoint: EndpointAddress }[] = [];
    for (const sk of this.slicesByIP.get(ip) ?? []) {
      const s = this.slices.get(sk)!;
      const [namespace, service] = s.serviceKey.split('/');
      for (const e of s.endpoints) if (e.ready && e.addresses.includes(ip)) out.push({ namespace, service, endpoint: { ip, hostname: e.hostname, targetRefName: e.targetRefName, ports: s.ports } });
    }
    return out;
  }

  /** Pods (not being deleted, not finished) that have `ip`. */
  podsByAddress(ip: string): { namespace: string; name: string }[] {
    return [...(this.podsByIP.get(ip) ?? [])].map((k) => this.pods.get(k)!).filter(Boolean);
  }
}
