/** Services and their endpoints (from EndpointSlices), live. */
import { useMemo } from 'react';
import type { StoreState } from '../resources';
import { objectKey } from '../resources';
import type { Selection } from '../App';
import { Badge, Forbidden } from './common';

interface Props { services: StoreState; slices: StoreState; selection: Selection; onSelect: (s: Selection) => void }

/** The EndpointSlices of each Service (label kubernetes.io/service-name), by `ns/name`. */
export function slicesByService(slices: StoreState): Map<string, any[]> {
  const m = new Map<string, any[]>();
  for (const s of slices.items.values()) {
    const svc = s.metadata?.labels?.['kubernetes.io/service-name'];
    if (!svc) continue;
    const k = `${s.metadata.namespace}/${svc}`;
    const l = m.get(k) ?? [];
    l.push(s);
    m.set(k, l);
  }
  return m;
}

export function endpointsOf(slices: any[]): { address: string; ready: boolean; pod?: string; node?: string; hostname?: string; ports: string }[] {
  const out = [];
  for (const s of slices) {
    const ports = (s.ports ?? []).map((p: any) => `${p.port}/${p.protocol ?? 'TCP'}${p.name ? ` (${p.name})` : ''}`).join(', ');
    for (const e of s.endpoints ?? []) {
      for (const a of e.addresses ?? []) out.push({ address: a, ready: e.conditions?.ready !== false, pod: e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined, node: e.nodeName, hostname: e.hostname, ports });
    }
  }
  return out.sort((a, b) => a.address.localeCompare(b.address, undefined, { numeric: true }));
}

export function ServicesView({ services, slices, selection, onSelect }: Props) {
  const bySvc = useMemo(() => slicesByService(slices), [slices]);
  const list = useMemo(() => [...services.items.values()].sort((a, b) => objectKey(a).localeCompare(objectKey(b))), [services]);
  return (
    <div>
      <div className="section-title"><h2>Services</h2><span className="muted">{list.length} services</span></div>
      <Forbidden what="services" error={services.error} />
      <Forbidden what="endpoint slices" error={slices.error} />
      <table className="table">
        <thead><tr><th>Namespace</th><th>Name</th><th>Type</th><th>Cluster IP</th><th>Ports</th><th>Endpoints</th></tr></thead>
        <tbody>
          {list.map((s) => {
            const k = objectKey(s);
            const eps = endpointsOf(bySvc.get(k) ?? []);
            const ready = eps.filter((e) => e.ready).length;
            return (
              <tr key={k} data-service={k} className={selection?.key === k ? 'selected clickable' : 'clickable'} onClick={() => onSelect({ kind: 'service', key: k })}>
                <td className="muted">{s.metadata.namespace}</td>
                <td><b>{s.metadata.name}</b></td>
                <td>{s.spec?.clusterIP === 'None' ? 'Headless' : s.spec?.type ?? 'ClusterIP'}</td>
                <td className="mono">{s.spec?.type === 'ExternalName' ? s.spec.externalName : s.spec?.clusterIP}</td>
                <td className="mono">{(s.spec?.ports ?? []).map((p: any) => `${p.port}${p.targetPort !== undefined && p.targetPort !== p.port ? `→${p.targetPort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ')}</td>
                <td data-endpoints={`${ready}/${eps.length}`}>
                  {s.spec?.type === 'ExternalName' ? <span className="muted">n/a</span> : <Badge tone={eps.length === 0 ? 'warn' : ready === eps.length ? 'ok' : 'warn'}>{ready}/{eps.length} ready</Badge>}
                  <span className="mono small muted"> {eps.slice(0, 4).map((e) => e.address).join(' ')}{eps.length > 4 ? ' …' : ''}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
