/**
 * @module apiserver/printers/endpoints
 * `kubectl get endpoints` and `kubectl get endpointslices` columns, as Kubernetes' printers show
 * them (pkg/printers/internalversion: formatEndpoints, formatDiscoveryPorts/Endpoints): at most
 * three entries, then "+ N more...".
 */
import { col, NAME_COLUMN, age, type Printer } from './types.js';

const AGE = col('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
const MAX = 3;

/** Up to three entries, then how many more; "<unset>" for none (upstream's listWithMoreString). */
function listWithMore(all: string[]): string {
  if (all.length > MAX) return `${all.slice(0, MAX).join(',')} + ${all.length - MAX} more...`;
  return all.length ? all.join(',') : '<unset>';
}

const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** ip:port of every ready address and port (bare IPs for a subset without ports), "<none>" without subsets. */
export function formatEndpoints(ep: any): string {
  const subsets: any[] = ep.subsets ?? [];
  if (!subsets.length) return '<none>';
  const all: string[] = [];
  for (const ss of subsets) {
    const addrs: any[] = ss.addresses ?? [];
    const ports: any[] = ss.ports ?? [];
    if (!ports.length) for (const a of addrs) all.push(a.ip);
    else for (const p of ports) for (const a of addrs) all.push(hostPort(a.ip, p.port));
  }
  return all.length > MAX ? `${all.slice(0, MAX).join(',')} + ${all.length - MAX} more...` : all.join(',');
}

/** [group, resource, printer] for Endpoints and EndpointSlices. */
export const endpointsPrinters: [string, string, Printer][] = [
  ['', 'endpoints', { columns: [NAME_COLUMN, col('Endpoints', 'string', 'Endpoints is the list of endpoints in the service.'), AGE],
    cells: (o, now) => [o.metadata.name, formatEndpoints(o), age(o, now)] }],
  ['discovery.k8s.io', 'endpointslices', {
    columns: [NAME_COLUMN, col('AddressType', 'string', 'The IP protocol for this slice'), col('Ports', 'string', 'The ports in this slice'),
      col('Endpoints', 'string', 'The endpoints in this slice'), AGE],
    cells: (o, now) => [o.metadata.name, o.addressType ?? '',
      listWithMore((o.ports ?? []).map((p: any) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*'))),
      listWithMore((o.endpoints ?? []).flatMap((e: any) => e.addresses ?? [])), age(o, now)],
  }],
];
