/**
 * @module kubelet/network/routes
 * The few `ip route` operations skiff's pod network needs, on the routing table of the namespace the
 * process runs in. Routes skiff makes carry their own routing protocol number (`proto 242`, a value
 * no routing daemon uses), so a syncer can list and remove exactly its own routes and never touch
 * one an administrator or another tool added — the same trick bird and flannel's netlink code use.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The `proto` of every route skiff adds (rtnetlink's protocol field; 0-255, unassigned here). */
export const SKIFF_ROUTE_PROTOCOL = 242;

/** A route to `dst` through the neighbour `via` (host-gw), or a `blackhole` that drops what matches it. */
export interface Route {
  dst: string;
  via?: string;
  dev?: string;
  blackhole?: boolean;
}

const stderrOf = (e: unknown): string => String((e as { stderr?: string }).stderr ?? (e as Error).message ?? e);

function routeArgs(r: Route): string[] {
  if (r.blackhole) return ['blackhole', r.dst];
  const a = [r.dst];
  if (r.via) a.push('via', r.via);
  if (r.dev) a.push('dev', r.dev);
  return a;
}

/** `ip route replace ... proto 242`: add, or move an existing route of ours to a new next hop. */
export async function replaceRoute(r: Route): Promise<void> {
  await run('ip', ['route', 'replace', ...routeArgs(r), 'proto', String(SKIFF_ROUTE_PROTOCOL)]);
}

/**
 * `ip route add ... proto 242`; false (and nothing changed) when a route to that destination exists
 * already, which then belongs to someone else and is left alone.
 */
export async function addRouteIfAbsent(r: Route): Promise<boolean> {
  try {
    await run('ip', ['route', 'add', ...routeArgs(r), 'proto', String(SKIFF_ROUTE_PROTOCOL)]);
    return true;
  } catch (e) {
    if (/File exists/.test(stderrOf(e))) return false;
    throw e;
  }
}

/** Delete a route of ours; a route already gone is not an error. */
export async function deleteRoute(r: Route): Promise<void> {
  try {
    await run('ip', ['route', 'del', ...routeArgs(r), 'proto', String(SKIFF_ROUTE_PROTOCOL)]);
  } catch (e) {
    if (!/No such process|No such device|Cannot find device/.test(stderrOf(e))) throw e;
  }
}

/** The IPv4 routes skiff added in this namespace's main table. */
export async function listOwnRoutes(): Promise<Route[]> {
  const { stdout } = await run('ip', ['-4', '-j', 'route', 'show', 'proto', String(SKIFF_ROUTE_PROTOCOL)]);
  const rows = JSON.parse(stdout || '[]') as { dst: string; gateway?: string; dev?: string; type?: string }[];
  return rows.map((x) => ({
    dst: x.dst.includes('/') ? x.dst : `${x.dst}/32`,
    ...(x.gateway ? { via: x.gateway } : {}),
    ...(x.type === 'blackhole' ? { blackhole: true } : {}),
  }));
}

/** The IPv4 network (CIDR) of the interface holding `ip` in this namespace, e.g. `172.30.0.0/24` for 172.30.0.11. */
export async function subnetOf(ip: string): Promise<string | undefined> {
  const { stdout } = await run('ip', ['-4', '-j', 'addr', 'show']);
  for (const link of JSON.parse(stdout || '[]') as { addr_info?: { local: string; prefixlen: number }[] }[]) {
    for (const a of link.addr_info ?? []) {
      if (a.local !== ip) continue;
      const n = ip.split('.').map(Number).reduce((acc, o) => ((acc << 8) | o) >>> 0, 0);
      const mask = a.prefixlen === 0 ? 0 : (~0 << (32 - a.prefixlen)) >>> 0;
      const net = (n & mask) >>> 0;
      return `${[net >>> 24, (net >>> 16) & 255, (net >>> 8) & 255, net & 255].join('.')}/${a.prefixlen}`;
    }
  }
  return undefined;
}
