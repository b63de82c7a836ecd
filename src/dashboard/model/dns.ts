/**
 * @module dashboard/model/dns
 * The DNS names that resolve to a Service, by the Kubernetes DNS spec as skiff's cluster DNS
 * serves them: `name.ns.svc.cluster.local` (and the shorter forms a pod's search path completes:
 * `name.ns.svc`, `name.ns`, and `name` inside its own namespace), SRV names per named port, and
 * for a headless Service, one name per endpoint with a hostname (a StatefulSet's pods:
 * `postgres-0.postgres.doctor-app.svc.cluster.local`).
 */

export interface DNSName { name: string; type: 'A' | 'CNAME' | 'SRV'; points: string }

export function serviceDNSNames(svc: any, slices: any[], zone = 'cluster.local'): DNSName[] {
  const name = svc?.metadata?.name, ns = svc?.metadata?.namespace;
  if (!name || !ns) return [];
  const fqdn = `${name}.${ns}.svc.${zone}`;
  const spec = svc.spec ?? {};
  const out: DNSName[] = [];
  const headless = spec.clusterIP === 'None';
  if (spec.type === 'ExternalName') {
    out.push({ name: fqdn, type: 'CNAME', points: spec.externalName ?? '' });
  } else if (headless) {
    const ips = slices.flatMap((s) => (s.endpoints ?? []).filter((e: any) => e.conditions?.ready !== false).flatMap((e: any) => e.addresses ?? []));
    out.push({ name: fqdn, type: 'A', points: ips.length ? ips.join(', ') : '(no ready endpoints)' });
  } else {
    out.push({ name: fqdn, type: 'A', points: spec.clusterIP ?? '' });
  }
  // A pod's resolv.conf search path (`ns.svc.zone svc.zone zone`) completes the short forms.
  out.push({ name: `${name}.${ns}.svc`, type: out[0]!.type, points: 'same, via the search path' });
  out.push({ name: `${name}.${ns}`, type: out[0]!.type, points: 'same, via the search path' });
  out.push({ name, type: out[0]!.type, points: `same, from pods in ${ns}` });
  for (const p of spec.ports ?? []) {
    if (!p.name || spec.type === 'ExternalName') continue;
    out.push({ name: `_${p.name}._${String(p.protocol ?? 'TCP').toLowerCase()}.${fqdn}`, type: 'SRV', points: `port ${p.port}` });
  }
  if (headless) {
    const seen = new Set<string>();
    for (const s of slices) for (const e of s.endpoints ?? []) {
      if (!e.hostname || seen.has(e.hostname)) continue;
      seen.add(e.hostname);
      out.push({ name: `${e.hostname}.${fqdn}`, type: 'A', points: (e.addresses ?? []).join(', ') });
    }
  }
  return out;
}
