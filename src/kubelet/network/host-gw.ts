/**
 * @module kubelet/network/host-gw
 * Routes between nodes for pod-to-pod traffic without NAT, as flannel's `host-gw` backend does: every
 * node that shares a layer-2 network with the others routes each other node's podCIDR via that
 * node's InternalIP. The syncer watches Nodes (spec.podCIDR(s) + the InternalIP address), computes
 * the wanted routes, and makes the namespace's table match: adds, replaces a moved next hop, removes
 * routes of nodes that are gone. It touches only routes it owns (`proto 242`, see routes.ts), and
 * resyncs periodically so a route deleted by hand comes back.
 */
import type { Clientset } from '../../client/clientset.js';
import { SharedInformerFactory } from '../../client/informer-factory.js';
import type { Informer } from '../../client/informer.js';
import { deleteRoute, listOwnRoutes, replaceRoute, type Route } from './routes.js';

/** The podCIDRs (IPv4) and InternalIP of a Node, when it has both. */
export function nodeRouteInfo(node: any): { podCIDRs: string[]; internalIP: string } | undefined {
  const cidrs: string[] = (node?.spec?.podCIDRs?.length ? node.spec.podCIDRs : node?.spec?.podCIDR ? [node.spec.podCIDR] : [])
    .filter((c: string) => !c.includes(':'));
  const ip = (node?.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP' && !String(a.address).includes(':'))?.address;
  return cidrs.length && ip ? { podCIDRs: cidrs, internalIP: ip } : undefined;
}

/** The host-gw routes this node wants: every other node's podCIDRs via its InternalIP (sorted by destination). */
export function desiredHostGwRoutes(nodes: any[], self: string): Route[] {
  const out: Route[] = [];
  for (const n of nodes) {
    if (n?.metadata?.name === self) continue;
    const info = nodeRouteInfo(n);
    if (!info) continue;
    for (const dst of info.podCIDRs) out.push({ dst, via: info.internalIP });
  }
  return out.sort((a, b) => a.dst.localeCompare(b.dst));
}

/** What to change to go from the `current` routes of ours to `desired`: replace (add or move) and delete. */
export function diffRoutes(current: Route[], desired: Route[]): { replace: Route[]; remove: Route[] } {
  const have = new Map(current.filter((r) => !r.blackhole).map((r) => [r.dst, r]));
  const want = new Map(desired.map((r) => [r.dst, r]));
  const replace = desired.filter((r) => have.get(r.dst)?.via !== r.via);
  const remove = [...have.values()].filter((r) => !want.has(r.dst));
  return { replace, remove };
}

export interface HostGwOptions {
  cs: Clientset;
  nodeName: string;
  /** Full resync period (ms, default 30 s): repairs routes changed behind the syncer's back. */
  resyncMs?: number;
  log?: (msg: string) => void;
}

/** The route syncer a node agent runs with `--host-gw`. */
export class HostGwRouteSyncer {
  private readonly factory: SharedInformerFactory;
  private readonly informer: Informer;
  private timer: NodeJS.Timeout | undefined;
  private resync: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly o: HostGwOptions) {
    this.factory = new SharedInformerFactory(o.cs);
    this.informer = this.factory.for('nodes');
  }

  start(): void {
    const kick = (): void => this.schedule();
    this.informer.addEventHandler({ add: kick, update: kick, delete: kick });
    this.factory.start();
    this.resync = setInterval(kick, this.o.resyncMs ?? 30_000);
  }

  /** Sync soon (coalescing bursts of Node updates: every heartbeat is one). */
  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; void this.syncOnce(); }, 50);
  }

  /** One level-triggered pass; a pass asked for while one runs runs right after it. */
  async syncOnce(): Promise<void> {
    if (this.running) { this.again = true; return this.running; }
    this.running = (async () => {
      try {
        const { replace, remove } = diffRoutes(await listOwnRoutes(), desiredHostGwRoutes(this.informer.list(), this.o.nodeName));
        for (const r of replace) { await replaceRoute(r); this.o.log?.(`route ${r.dst} via ${r.via}`); }
        for (const r of remove) { await deleteRoute(r); this.o.log?.(`route ${r.dst} removed`); }
      } catch (e) {
        this.o.log?.(`route sync failed: ${(e as Error).message}`);
      } finally {
        this.running = undefined;
      }
      if (this.again && !this.stopped) { this.again = false; this.schedule(); }
    })();
    return this.running;
  }

  /** Stop watching. The routes stay: pods keep talking across nodes while the agent restarts. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.resync);
    this.factory.stop();
  }
}
