/**
 * @module networkpolicy/controller
 * The node's NetworkPolicy enforcer. Kubernetes only stores NetworkPolicies; a network plugin on
 * every node makes them true (kube-router's netpol controller, Calico's Felix). This one watches
 * pods, namespaces and networkpolicies, recomputes every local pod's firewall, and loads the
 * result into the node's filter table with one `iptables-restore --noflush`, skipping the load
 * when the rendering is byte-identical to the last one. Events are coalesced by a short delay so a
 * burst of pod updates costs one sync; a periodic resync repairs rules someone else removed.
 *
 * stop() leaves the rules in place, as kube-proxy does: a restarted agent takes them over. cleanup()
 * removes them (node tear-down).
 */
import { readdir, stat } from 'node:fs/promises';
import { GVRS, type Clientset } from '../client/clientset.js';
import { SharedInformerFactory } from '../client/informer-factory.js';
import type { Informer } from '../client/informer.js';
import { computePodFirewalls } from './policy.js';
import { renderFilterRules, renderCleanup, chainsInSave, TOP_CHAIN } from './iptables.js';
import { newIptablesRunner, getSysctl, setSysctl, type IptablesRunner } from './runner.js';

/** networking.k8s.io/v1 networkpolicies. */
export const NETWORK_POLICIES = GVRS.networkpolicies;

const BRIDGE_NF = 'net.bridge.bridge-nf-call-iptables';
const JUMP = ['-m', 'comment', '--comment', 'skiff network policies', '-j', TOP_CHAIN];

export interface NetworkPolicyControllerOptions {
  cs: Clientset;
  nodeName: string;
  log?: (m: string) => void;
  /** Program the named network namespace (via `ip netns exec`) instead of the current one. */
  netns?: string;
  /** Share an informer factory with the rest of the agent (then stop() leaves it running). */
  informers?: SharedInformerFactory;
  /** Coalescing delay between an event and the sync it triggers (default 100 ms). */
  syncDelayMs?: number;
  /** Full re-apply period, repairing external changes (default 60 s; 0 disables). */
  resyncPeriodMs?: number;
  /**
   * Set net.bridge.bridge-nf-call-iptables=1 so same-node pod traffic, which is bridged, passes
   * FORWARD. true: always; false: never; undefined (auto): only when the target is a netns made
   * with `ip netns add` (a skiff node), never on the machine's own namespace, where it only warns.
   */
  bridgeNfCallIptables?: boolean;
  /** Override how iptables is run (tests). */
  runner?: IptablesRunner;
}

export class NetworkPolicyController {
  private readonly informers: SharedInformerFactory;
  private readonly ownInformers: boolean;
  private readonly pods: Informer;
  private readonly namespaces: Informer;
  private readonly policies: Informer;
  private readonly runner: IptablesRunner;
  private readonly log: (m: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private dirty = false;
  private stopped = false;
  private lastApplied = '';
  /** Number of iptables-restore loads done (tests and metrics read it). */
  syncCount = 0;
  /** Number of syncs run, loads or not (a sync whose rendering is unchanged loads nothing). */
  syncAttempts = 0;

  constructor(private readonly o: NetworkPolicyControllerOptions) {
    this.informers = o.informers ?? new SharedInformerFactory(o.cs);
    this.ownInformers = !o.informers;
    this.pods = this.informers.for('pods');
    this.namespaces = this.informers.for('namespaces');
    this.policies = this.informers.for(NETWORK_POLICIES);
    this.runner = o.runner ?? newIptablesRunner({ netns: o.netns });
    this.log = o.log ?? (() => {});
    const kick = () => this.queueSync();
    for (const inf of [this.pods, this.namespaces, this.policies]) inf.addEventHandler({ add: kick, update: kick, delete: kick });
  }

  /** Start watching, wait for the caches, and program the node once before resolving. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.ensureBridgeNetfilter();
    this.informers.start();
    await this.informers.waitForCacheSync();
    await this.sync(true);
    const period = this.o.resyncPeriodMs ?? 60_000;
    if (period > 0) this.resyncTimer = setInterval(() => { this.lastApplied = ''; this.queueSync(); }, period);
  }

  /** Stop watching; the rules stay so pods keep their isolation while the agent restarts. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.timer = this.resyncTimer = undefined;
    if (this.ownInformers) this.informers.stop();
  }

  /** Remove the FORWARD jump and every skiff NetworkPolicy chain (node tear-down). */
  async cleanup(): Promise<void> {
    if (this.running) await this.running.catch(() => {});
    await this.removeJumps();
    const text = renderCleanup(chainsInSave(await this.runner.save('filter')));
    if (text) await this.runner.restore(text);
    this.lastApplied = '';
  }

  /** Resolves once no sync is queued or running (tests use it after a change they made). */
  async idle(): Promise<void> {
    while (this.timer || this.running) {
      if (this.running) await this.running.catch(() => {});
      else await new Promise((r) => setTimeout(r, 10));
    }
  }

  private queueSync(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; void this.sync(false); }, this.o.syncDelayMs ?? 100);
  }

  /** One sync; a sync requested while one runs is folded into a single follow-up run. */
  private sync(initial: boolean): Promise<void> {
    if (this.running) { this.dirty = true; return this.running; }
    this.running = (async () => {
      try {
        do {
          this.dirty = false;
          try { await this.syncOnce(); } catch (e) {
            this.log(`networkpolicy: sync failed: ${(e as Error).message}`);
            if (initial) throw e;
            this.lastApplied = '';
            if (!this.stopped) setTimeout(() => this.queueSync(), 1000).unref();
          }
        } while (this.dirty && !this.stopped);
      } finally { this.running = undefined; }
    })();
    return this.running;
  }

  private async syncOnce(): Promise<void> {
    this.syncAttempts++;
    const fws = computePodFirewalls({
      pods: this.pods.list(), namespaces: this.namespaces.list(), networkPolicies: this.policies.list(), nodeName: this.o.nodeName,
    });
    const desired = renderFilterRules(fws);
    if (desired !== this.lastApplied) {
      const existing = chainsInSave(await this.runner.save('filter'));
      const t0 = Date.now();
      await this.runner.restore(renderFilterRules(fws, { existingChains: existing }));
      this.syncCount++;
      this.lastApplied = desired;
      const isolated = fws.filter((f) => f.ingress || f.egress).length;
      this.log(`networkpolicy: programmed ${isolated} isolated pod(s) of ${fws.length} on ${this.o.nodeName} in ${Date.now() - t0} ms`);
    }
    await this.ensureJump();
  }

  /**
   * Keep `FORWARD -j SKIFF-NP-FORWARD` the first FORWARD rule: a rule ahead of it that ACCEPTs
   * (kube-proxy's KUBE-FORWARD accepts masquerade-marked and established packets) would let a
   * new connection skip policy. kube-router holds its jump at position 1 the same way.
   */
  private async ensureJump(): Promise<void> {
    const rules = (await this.runner.iptables(['-S', 'FORWARD'])).split('\n').filter((l) => l.startsWith('-A FORWARD'));
    const ours = rules.filter((l) => l.endsWith(`-j ${TOP_CHAIN}`));
    if (ours.length === 1 && rules[0] === ours[0]) return;
    await this.removeJumps();
    await this.runner.iptables(['-I', 'FORWARD', '1', ...JUMP]);
  }

  private async removeJumps(): Promise<void> {
    for (;;) {
      try { await this.runner.iptables(['-D', 'FORWARD', ...JUMP]); } catch { return; }
    }
  }

  private async ensureBridgeNetfilter(): Promise<void> {
    const want = this.o.bridgeNfCallIptables;
    if (want === false) return;
    let value: string;
    try { value = await getSysctl(this.o.netns, BRIDGE_NF); } catch (e) {
      this.log(`networkpolicy: cannot read ${BRIDGE_NF} (${(e as Error).message}); same-node pod traffic may bypass policy`);
      return;
    }
    if (value === '1') return;
    if (want === true || this.o.netns || await inNamedNetns()) {
      await setSysctl(this.o.netns, BRIDGE_NF, '1');
      this.log(`networkpolicy: set ${BRIDGE_NF}=1 so bridged pod traffic reaches FORWARD`);
    } else {
      this.log(`networkpolicy: ${BRIDGE_NF} is 0 on this host; same-node pod traffic bypasses policy until it is 1`);
    }
  }
}

/** Is this process in a network namespace made by `ip netns add` (a skiff node), not the machine's own? */
async function inNamedNetns(): Promise<boolean> {
  try {
    const self = await stat('/proc/self/ns/net');
    for (const name of await readdir('/run/netns')) {
      const s = await stat(`/run/netns/${name}`).catch(() => undefined);
      if (s && s.ino === self.ino && s.dev === self.dev) return true;
    }
  } catch { /* no /run/netns: not a named netns */ }
  return false;
}
