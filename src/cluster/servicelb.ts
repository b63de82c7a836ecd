/**
 * @module cluster/servicelb
 * skiff's service load balancer: what a cloud's service controller (or k3s's ServiceLB, MetalLB)
 * does for `type: LoadBalancer` Services, on the underlay of a cluster on one machine. It watches
 * Services, Nodes and EndpointSlices and, for every LoadBalancer Service without a
 * `spec.loadBalancerClass` (a class means another implementation owns it, as upstream):
 *
 * - gives it an address from its pool (`spec.loadBalancerIP` when that is in the pool and free) and
 *   writes `status.loadBalancer.ingress: [{ip, ipMode: VIP}]` through the status subresource, with
 *   the resourceVersion it read as the precondition; kube-proxy on every node then matches that
 *   address (KUBE-EXT chains) like a ClusterIP;
 * - makes packets for the address reach a node: on the host, a route `IP/32 via <node InternalIP>
 *   dev <underlay bridge> proto 242`, to a Ready node (one with a ready endpoint under
 *   `externalTrafficPolicy: Local`, so the client's address is kept and still answered), moved
 *   when that node stops qualifying — MetalLB's layer-2 "announcing node", as a static route;
 * - releases the address and the route when the Service is deleted or stops being a LoadBalancer.
 *
 * On start the allocation is rebuilt from the Services' statuses before anything is handed out,
 * so an address is never given twice, and routes of ours to pool addresses nobody holds are
 * removed. Only routes with proto 242, on the one device, to /32s inside the pool are ever
 * touched: the podCIDR routes and blackholes `skiff up` keeps under the same protocol are not ours.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SharedInformerFactory } from '../client/informer-factory.js';
import { keyOf, type Informer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { Recorder, type EventRecorder } from '../client/record/recorder.js';
import { SKIFF_ROUTE_PROTOCOL, deleteRoute, replaceRoute } from '../kubelet/network/routes.js';
import { ipv4ToInt } from './topology.js';
import { AllocationError, PoolAllocator, isIPv4, parsePool, poolContains, type AddressPool } from './servicelb-pool.js';
import type { Clientset } from '../client/clientset.js';

const run = promisify(execFile);

/** The label that keeps a node out of every load balancer's node set (upstream's service controller). */
export const EXCLUDE_FROM_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** The component name on the events this controller writes. */
export const SERVICELB_COMPONENT = 'skiff-servicelb';

/** Is this Service ours to serve? type LoadBalancer and no loadBalancerClass (a class is another controller's). */
export function wantsLoadBalancer(svc: any): boolean {
  return svc?.spec?.type === 'LoadBalancer' && !svc.spec.loadBalancerClass && !svc.metadata?.deletionTimestamp;
}

/** The address a Service asks for (the deprecated but still honoured `spec.loadBalancerIP`). */
export const requestedIP = (svc: any): string | undefined => (svc?.spec?.loadBalancerIP || undefined);

const readyCond = (n: any): boolean => n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;

/** A node's IPv4 InternalIP, if it has one. */
export const internalIP = (n: any): string | undefined =>
  (n?.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP' && isIPv4(a.address))?.address;

/** The nodes that can carry load-balancer traffic: Ready, not excluded by label, with an InternalIP `reachable` says yes to. */
export function eligibleNodes(nodes: any[], reachable: (ip: string) => boolean = () => true): { name: string; ip: string }[] {
  const out: { name: string; ip: string }[] = [];
  for (const n of nodes) {
    const ip = internalIP(n);
    if (!ip || !readyCond(n) || n.metadata?.labels?.[EXCLUDE_FROM_LB_LABEL] !== undefined || !reachable(ip)) continue;
    out.push({ name: n.metadata.name, ip });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The nodes with at least one ready endpoint of the Service, from its EndpointSlices (ready unset counts as ready, as the API says). */
export function nodesWithReadyEndpoints(slices: any[]): Set<string> {
  const out = new Set<string>();
  for (const s of slices) for (const e of s?.endpoints ?? []) if (e?.nodeName && e.conditions?.ready !== false) out.add(e.nodeName);
  return out;
}

const fnv1a = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h;
};

/**
 * Which node carries a Service's address: the current one while it still qualifies (no needless
 * moves), else one picked by a hash of the Service's key, so Services spread over the nodes and
 * every run of the controller picks the same. Under `externalTrafficPolicy: Local` only nodes
 * with a ready endpoint qualify (the others would drop the traffic); none → undefined.
 */
export function pickNode(key: string, svc: any, candidates: { name: string; ip: string }[], readyEndpointNodes: Set<string>, currentVia?: string): { name: string; ip: string } | undefined {
  const local = svc?.spec?.externalTrafficPolicy === 'Local';
  const ok = local ? candidates.filter((c) => readyEndpointNodes.has(c.name)) : candidates;
  if (!ok.length) return undefined;
  return ok.find((c) => c.ip === currentVia) ?? ok[fnv1a(key) % ok.length];
}

/** The routes that carry load-balancer addresses to nodes; the controller's only side effect besides the API. */
export interface LoadBalancerRoutes {
  /** The routes of ours there are now: address -> next hop. */
  list(): Promise<Map<string, string>>;
  /** Route `ip` via `via` (add, or move). */
  replace(ip: string, via: string): Promise<void>;
  /** Remove the route to `ip`. */
  delete(ip: string, via: string): Promise<void>;
  /** Can a route go via this node address (is it on the device's network)? */
  reachable(ip: string): boolean;
  /** A description for logs (`dev skiffu0`). */
  readonly where: string;
}

/** The IPv4 networks on `dev` as [network, mask] numbers, and the name of the device whose network holds `ip`. */
async function addrs(): Promise<{ dev: string; net: number; mask: number }[]> {
  const { stdout } = await run('ip', ['-4', '-j', 'addr', 'show']);
  const out: { dev: string; net: number; mask: number }[] = [];
  for (const l of JSON.parse(stdout || '[]') as { ifname: string; addr_info?: { local: string; prefixlen: number }[] }[]) {
    for (const a of l.addr_info ?? []) {
      const mask = a.prefixlen === 0 ? 0 : (~0 << (32 - a.prefixlen)) >>> 0;
      out.push({ dev: l.ifname, net: (ipv4ToInt(a.local) & mask) >>> 0, mask });
    }
  }
  return out;
}

/**
 * Host routes for the pool's addresses on one device (the underlay bridge), tagged proto 242.
 * Without `dev`, the device is the one whose network holds the pool's first address; a pool on
 * no local network is refused (a route elsewhere could send packets off the machine).
 */
export async function hostRoutes(pool: AddressPool, dev?: string): Promise<LoadBalancerRoutes> {
  const all = await addrs();
  const first = pool.ranges[0]!.first;
  const device = dev ?? all.find((a) => ((first & a.mask) >>> 0) === a.net && a.mask !== 0)?.dev;
  if (!device) throw new Error(`no interface has an address on the network of pool ${pool.spec}: give --route-dev`);
  const nets = all.filter((a) => a.dev === device);
  if (!nets.length) throw new Error(`device "${device}" has no IPv4 address: load-balancer routes need a next hop on its network`);
  return {
    where: `dev ${device}`,
    reachable: (ip) => { const n = ipv4ToInt(ip); return nets.some((a) => ((n & a.mask) >>> 0) === a.net); },
    async list() {
      const { stdout } = await run('ip', ['-4', '-j', 'route', 'show', 'proto', String(SKIFF_ROUTE_PROTOCOL), 'dev', device]);
      const out = new Map<string, string>();
      for (const r of JSON.parse(stdout || '[]') as { dst: string; gateway?: string; type?: string }[]) {
        const ip = r.dst.endsWith('/32') ? r.dst.slice(0, -3) : r.dst;
        // Only host routes into the pool: the podCIDR routes `skiff up` keeps on the same bridge are not ours.
        if (r.gateway && isIPv4(ip) && poolContains(pool, ip)) out.set(ip, r.gateway);
      }
      return out;
    },
    replace: (ip, via) => replaceRoute({ dst: `${ip}/32`, via, dev: device }),
    delete: (ip, via) => deleteRoute({ dst: `${ip}/32`, via, dev: device }),
  };
}

/** Remove every route of ours to a pool address on `dev` (`skiff down`, after the controller is stopped). */
export async function removeServiceLBRoutes(pool: string, dev: string): Promise<number> {
  const routes = await hostRoutes(parsePool(pool), dev).catch(() => undefined);
  if (!routes) return 0; // the device is gone, and its routes with it
  const have = await routes.list();
  for (const [ip, via] of have) await routes.delete(ip, via);
  return have.size;
}

export interface ServiceLBOptions {
  cs: Clientset;
  /** The pool, parsed or as `--pool` spells it. */
  pool: AddressPool | string;
  /** Where to put routes to nodes; absent: addresses and statuses only (something else carries the traffic). */
  routes?: LoadBalancerRoutes;
  /** Withdraw every route on stop (default true; a MetalLB speaker withdraws its announcements too). */
  withdrawOnStop?: boolean;
  recorder?: EventRecorder;
  log?: (msg: string) => void;
}

const sameIngress = (svc: any, ip: string): boolean => {
  const ing = svc?.status?.loadBalancer?.ingress ?? [];
  return ing.length === 1 && ing[0]?.ip === ip && ing[0]?.ipMode === 'VIP' && !ing[0]?.hostname;
};
const withKind = (svc: any): any => ({ apiVersion: 'v1', kind: 'Service', ...svc });

/** The controller. `start()` resolves once every existing Service has been synced once. */
export class ServiceLBController {
  readonly allocator: PoolAllocator;
  private readonly factory: SharedInformerFactory;
  private readonly services: Informer;
  private readonly nodes: Informer;
  private readonly slices: Informer;
  private readonly queue = new WorkQueue();
  /** Address -> next hop of the routes we have made (or found at start). */
  private readonly routed = new Map<string, string>();
  /** Keys whose allocation failed: retried whenever an address is released. */
  private readonly pending = new Set<string>();
  private readonly log: (msg: string) => void;
  private readonly recorder: EventRecorder;
  private nodeFingerprint = '';
  private worker: Promise<void> | undefined;

  constructor(private readonly o: ServiceLBOptions) {
    this.allocator = new PoolAllocator(typeof o.pool === 'string' ? parsePool(o.pool) : o.pool);
    this.log = o.log ?? (() => {});
    this.recorder = o.recorder ?? new Recorder(o.cs.events, SERVICELB_COMPONENT);
    this.factory = new SharedInformerFactory(o.cs);
    this.services = this.factory.for('services');
    this.nodes = this.factory.for('nodes');
    this.slices = this.factory.for('endpointslices');
    this.services.addEventHandler({
      add: (s) => this.queue.add(keyOf(s)),
      update: (_o, s) => this.queue.add(keyOf(s)),
      delete: (s) => this.queue.add(keyOf(s)),
    });
    // Node readiness and addresses decide where routes go: every LoadBalancer Service is looked at again.
    const onNode = (): void => {
      const fp = JSON.stringify(eligibleNodes(this.nodes.list()));
      if (fp === this.nodeFingerprint) return;
      this.nodeFingerprint = fp;
      for (const s of this.services.list()) if (wantsLoadBalancer(s)) this.queue.add(keyOf(s));
    };
    this.nodes.addEventHandler({ add: onNode, update: onNode, delete: onNode });
    this.slices.addIndexer('service', (s) => {
      const name = s?.metadata?.labels?.['kubernetes.io/service-name'];
      return name ? [`${s.metadata.namespace}/${name}`] : [];
    });
    const onSlice = (s: any): void => {
      const name = s?.metadata?.labels?.['kubernetes.io/service-name'];
      if (!name) return;
      const key = `${s.metadata.namespace}/${name}`;
      if (this.services.get(key)?.spec?.externalTrafficPolicy === 'Local') this.queue.add(key);
    };
    this.slices.addEventHandler({ add: onSlice, update: (_o, s) => onSlice(s), delete: onSlice });
  }

  /** List and watch, rebuild the allocation and the route table, sync every Service once, then keep going. */
  async start(): Promise<void> {
    this.factory.start();
    await this.factory.waitForCacheSync();
    // The addresses Services hold already, oldest Service first: if two claim one, the older keeps it.
    const svcs = this.services.list().filter(wantsLoadBalancer)
      .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) || keyOf(a).localeCompare(keyOf(b)));
    for (const s of svcs) {
      for (const ing of s.status?.loadBalancer?.ingress ?? []) {
        if (ing?.ip && poolContains(this.allocator.pool, ing.ip) && this.allocator.restore(keyOf(s), ing.ip)) break;
      }
    }
    if (this.o.routes) {
      for (const [ip, via] of await this.o.routes.list()) {
        if (this.allocator.holder(ip)) { this.routed.set(ip, via); continue; }
        await this.o.routes.delete(ip, via);
        this.log(`removed stale route ${ip} via ${via} (${this.o.routes.where}): no Service holds it`);
      }
    }
    this.nodeFingerprint = JSON.stringify(eligibleNodes(this.nodes.list()));
    // Every Service once, in order, before the worker takes over (the queue dedups what the handlers added).
    for (const s of svcs) await this.syncOrRequeue(keyOf(s));
    for (const s of this.services.list()) if (!wantsLoadBalancer(s) && this.hasPoolIngress(s)) await this.syncOrRequeue(keyOf(s));
    this.worker = this.runWorker();
  }

  /** Stop watching; withdraw the routes unless told to keep them. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    this.factory.stop();
    await this.worker;
    if (this.o.routes && this.o.withdrawOnStop !== false) {
      for (const [ip, via] of this.routed) await this.o.routes.delete(ip, via).catch((e) => this.log(`withdraw ${ip}: ${(e as Error).message}`));
      this.routed.clear();
    }
  }

  /** The next hop of the route to `ip`, as this controller made it. */
  routeOf(ip: string): string | undefined { return this.routed.get(ip); }

  private async runWorker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try { await this.syncOrRequeue(key); } finally { this.queue.done(key); }
    }
  }

  private async syncOrRequeue(key: string): Promise<void> {
    try {
      await this.sync(key);
      this.queue.forget(key);
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code !== 409) this.log(`sync ${key}: ${(e as Error).message}`);
      this.queue.addRateLimited(key);
    }
  }

  private hasPoolIngress(svc: any): boolean {
    return (svc?.status?.loadBalancer?.ingress ?? []).some((i: any) => i?.ip && poolContains(this.allocator.pool, i.ip));
  }

  /** Write `status.loadBalancer` (the resourceVersion we read is the precondition: a 409 retries from the fresh object). */
  private async writeStatus(svc: any, loadBalancer: any): Promise<void> {
    const [ns, name] = [svc.metadata.namespace, svc.metadata.name];
    try {
      await this.o.cs.services.updateStatus(ns, { ...svc, status: { ...(svc.status ?? {}), loadBalancer } });
    } catch (e) {
      if ((e as { code?: number }).code === 404) return; // deleted meanwhile: its delete event releases it
      throw e;
    }
  }

  private async release(key: string): Promise<void> {
    const ip = this.allocator.release(key);
    this.pending.delete(key);
    if (!ip) return;
    await this.withdraw(ip);
    this.log(`released ${ip} from ${key}`);
    // Someone may have been waiting for an address (or for this very one).
    for (const k of this.pending) this.queue.add(k);
  }

  private async withdraw(ip: string): Promise<void> {
    const via = this.routed.get(ip);
    if (via === undefined || !this.o.routes) return;
    await this.o.routes.delete(ip, via);
    this.routed.delete(ip);
    this.log(`route ${ip} via ${via} removed`);
  }

  private async sync(key: string): Promise<void> {
    const svc = this.services.get(key);
    if (!svc || !wantsLoadBalancer(svc)) {
      await this.release(key);
      // No longer a LoadBalancer (but still there, and not someone else's class): its old address goes too, as upstream's controller clears it.
      if (svc && !svc.metadata.deletionTimestamp && svc.spec?.type !== 'LoadBalancer' && this.hasPoolIngress(svc)) {
        await this.writeStatus(svc, {});
        this.recorder.event(withKind(svc), 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
      }
      return;
    }
    const had = this.allocator.assigned(key);
    let ip: string;
    try {
      ip = this.allocator.allocate(key, requestedIP(svc));
      this.pending.delete(key);
    } catch (e) {
      if (!(e instanceof AllocationError)) throw e;
      // Asked for an address it cannot have: it holds none rather than a different one.
      if (had) await this.release(key);
      this.pending.add(key);
      this.recorder.event(withKind(svc), 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": ${(e as Error).message}`);
      this.log(`${key}: ${(e as Error).message}`);
      if (this.hasPoolIngress(svc)) await this.writeStatus(svc, {});
      return;
    }
    if (had && had !== ip) { await this.withdraw(had); this.log(`${key} moved from ${had} to ${ip}`); }
    if (!sameIngress(svc, ip)) {
      await this.writeStatus(svc, { ingress: [{ ip, ipMode: 'VIP' }] });
      if (had !== ip) {
        this.recorder.event(withKind(svc), 'Normal', 'IPAllocated', `Assigned IP ["${ip}"]`);
        this.log(`${key}: assigned ${ip}`);
      }
    }
    await this.route(key, svc, ip);
  }

  private async route(key: string, svc: any, ip: string): Promise<void> {
    const r = this.o.routes;
    if (!r) return;
    const current = this.routed.get(ip);
    const node = pickNode(key, svc, eligibleNodes(this.nodes.list(), (a) => r.reachable(a)), nodesWithReadyEndpoints(this.slices.byIndex('service', key)), current);
    if (!node) {
      if (current !== undefined) {
        await this.withdraw(ip);
        this.recorder.event(withKind(svc), 'Warning', 'NoNodeForLoadBalancer', `No Ready node${svc.spec?.externalTrafficPolicy === 'Local' ? ' with a ready endpoint' : ''} to route ${ip} to`);
      }
      return;
    }
    if (node.ip === current) return;
    await r.replace(ip, node.ip);
    this.routed.set(ip, node.ip);
    this.log(`route ${ip} via ${node.ip} (node ${node.name}, ${r.where})`);
    this.recorder.event(withKind(svc), 'Normal', 'nodeAssigned', `announcing from node "${node.name}" with protocol "route" (${ip} via ${node.ip})`);
  }
}
