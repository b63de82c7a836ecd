/**
 * @module proxy/server
 * The kube-proxy process's core (upstream's ProxyServer plus its sync runner): informers for
 * Services, EndpointSlices and this Node feed a ProxyStateTracker; a bounded-frequency runner turns
 * bursts of events into one sync at most every minSyncPeriod, syncs at least every syncPeriod,
 * rewrites everything every fullSyncPeriod and after any failure, and backs off while syncs fail. stop() leaves every rule in place:
 * a stopped kube-proxy does not take Services down, and the next one rewrites everything on start.
 */
import { EventEmitter } from 'node:events';
import type { Clientset } from '../client/clientset.js';
import { SharedInformerFactory } from '../client/informer-factory.js';
import { Informer } from '../client/informer.js';
import { serviceKeyOfSlice } from './endpointschangetracker.js';
import { newProxier, type ProxyMode } from './modes.js';
import { ProxyStateTracker } from './statetracker.js';
import type { Proxier, ProxyState, SyncResult } from './types.js';

export interface ProxyServerOptions {
  cs: Clientset;
  nodeName: string;
  /** This node's addresses; default: the Node's InternalIP/ExternalIP addresses. */
  nodeIPs?: string[];
  /** The pod network (e.g. 10.244.0.0/16): ClusterIP traffic from outside it is masqueraded. */
  clusterCIDR: string;
  mode: ProxyMode;
  /** A ready-made Proxier (tests, benchmarks); default: newProxier(mode, { log, netns }). */
  proxier?: Proxier;
  /** Program this network namespace instead of the process's own. */
  netns?: string;
  log?: (msg: string) => void;
  /** Coalesce events into at most one sync per this period (default 100 ms). */
  minSyncPeriodMs?: number;
  /** Sync this often even without events (default 30 s): rewrites the dispatch chains, as upstream's periodic sync does. */
  syncPeriodMs?: number;
  /**
   * Rewrite everything this often (default 1 h, upstream's FullSyncPeriod). A full sync with 10,000
   * Services takes ~10 s with iptables-nft (bench/scenarios/proxy.ts): too much for every 30 s. A
   * flushed table is caught sooner, by the iptables proxier's canary chains.
   */
  fullSyncPeriodMs?: number;
}

/** Emitted after every successful sync: what was applied and the state it was built from. */
export interface SyncedEvent { result: SyncResult; state: ProxyState; at: number }

export class ProxyServer extends EventEmitter {
  /** Metrics for the bench and `skiff proxy`: successful syncs, failures, the last one's figures. */
  syncCount = 0;
  failureCount = 0;
  lastSyncDurationMs = 0;
  lastSync?: SyncResult;
  lastSyncedAt = 0;
  lastError?: Error;
  proxier!: Proxier;

  private readonly o: Required<Pick<ProxyServerOptions, 'minSyncPeriodMs' | 'syncPeriodMs' | 'fullSyncPeriodMs'>> & ProxyServerOptions;
  private readonly log: (msg: string) => void;
  private factory?: SharedInformerFactory;
  private nodeInformer?: Informer;
  private tracker?: ProxyStateTracker;
  private nodeIPs: string[] = [];
  private timer?: NodeJS.Timeout;
  private periodic?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  /** No sync before both caches have listed: a sync from half a picture would REJECT Services whose slices are not in yet. */
  private initialized = false;
  private needFull = true;
  private force = false;
  private lastFull = 0;
  private pendingIds = new Set<string>();
  private lastStart = 0;
  private notBefore = 0;
  private backoffMs = 0;

  constructor(o: ProxyServerOptions) {
    super();
    this.o = { minSyncPeriodMs: 100, syncPeriodMs: 30_000, fullSyncPeriodMs: 3_600_000, ...o };
    this.log = o.log ?? (() => {});
    this.nodeIPs = o.nodeIPs ?? [];
  }

  /** Start watching and syncing; resolves after the first sync has been applied. */
  async start(): Promise<void> {
    this.proxier = this.o.proxier ?? await newProxier(this.o.mode, { log: this.log, netns: this.o.netns });
    const factory = this.factory = new SharedInformerFactory(this.o.cs);
    const services = factory.for('services');
    const slices = factory.for('endpointslices');
    slices.addIndexer('service', (s) => { const k = serviceKeyOfSlice(s); return k ? [k] : []; });
    const tracker = this.tracker = new ProxyStateTracker({ service: (k) => services.get(k), slicesFor: (k) => slices.byIndex('service', k) }, this.o.nodeName);
    services.addEventHandler({ add: (s) => this.changed(() => tracker.onService(s)), update: (_, s) => this.changed(() => tracker.onService(s)), delete: (s) => this.changed(() => tracker.onService(s)) });
    const onSlice = (s: any) => this.changed(() => tracker.onSlice(s));
    slices.addEventHandler({ add: onSlice, update: (a, b) => { onSlice(a); onSlice(b); }, delete: onSlice });
    if (!this.o.nodeIPs) {
      this.nodeInformer = new Informer(this.o.cs.nodes, '', { fieldSelector: `metadata.name=${this.o.nodeName}` });
      const onNode = (n: any) => {
        const ips = (n?.status?.addresses ?? []).filter((a: any) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a: any) => a.address as string);
        if (ips.join(',') !== this.nodeIPs.join(',')) { this.nodeIPs = ips; this.needFull = true; this.schedule(); }
      };
      this.nodeInformer.addEventHandler({ add: onNode, update: (_, n) => onNode(n) });
      void this.nodeInformer.start();
    }
    factory.start();
    await factory.waitForCacheSync();
    this.initialized = true;
    const first = new Promise<void>((resolve) => this.once('synced', () => resolve()));
    this.periodic = setInterval(() => { this.force = true; this.schedule(); }, this.o.syncPeriodMs);
    this.schedule();
    await first;
  }

  /** Stop watching and syncing. The rules stay in the kernel and keep serving. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.periodic);
    this.factory?.stop();
    this.nodeInformer?.stop();
    await this.running;
  }

  private changed(mark: () => void): void {
    mark();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || !this.initialized || this.timer) return;
    if (this.running) { this.again = true; return; }
    const wait = Math.max(0, this.lastStart + this.o.minSyncPeriodMs - Date.now(), this.notBefore - Date.now());
    this.timer = setTimeout(() => { this.timer = undefined; this.running = this.runSync().finally(() => { this.running = undefined; if (this.again) { this.again = false; this.schedule(); } }); }, wait);
  }

  private async runSync(): Promise<void> {
    if (this.stopped || !this.tracker) return;
    this.lastStart = Date.now();
    const full = this.needFull || Date.now() - this.lastFull >= this.o.fullSyncPeriodMs;
    const snap = this.tracker.snapshot({ nodeIPs: this.nodeIPs, clusterCIDR: this.o.clusterCIDR });
    for (const id of snap.changedIds) this.pendingIds.add(id);
    if (!full && !this.force && this.pendingIds.size === 0) return;
    this.force = false;
    try {
      const result = await this.proxier.sync(snap.state, full ? undefined : new Set(this.pendingIds));
      this.pendingIds.clear();
      this.needFull = false;
      if (full) this.lastFull = this.lastStart;
      this.backoffMs = 0;
      this.notBefore = 0;
      this.syncCount++;
      this.lastSync = result;
      this.lastSyncDurationMs = result.durationMs;
      this.lastSyncedAt = Date.now();
      this.emit('synced', { result, state: snap.state, at: this.lastSyncedAt } satisfies SyncedEvent);
    } catch (e) {
      this.failureCount++;
      this.lastError = e as Error;
      this.needFull = true;
      this.backoffMs = Math.min(this.backoffMs ? this.backoffMs * 2 : 1000, 30_000);
      this.notBefore = Date.now() + this.backoffMs;
      this.log(`sync failed (retrying in ${this.backoffMs} ms): ${(e as Error).message}`);
      this.again = true;
    }
  }
}
