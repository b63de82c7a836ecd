/**
 * @module controllers/manager
 * The controller manager: many controllers in one process, sharing informers, each writing as its
 * own ServiceAccount in kube-system (kube-controller-manager's --use-service-account-credentials,
 * so RBAC's system:controller:* roles bound there are exactly what each may do). With leader
 * election on, controllers run only while this copy holds the kube-system/kube-controller-manager
 * Lease; a standby takes over when the leader stops.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { StatusError } from '../machinery/status.js';
import { newClientset, type Clientset } from '../client/clientset.js';
import { Transport, type ClientConfig } from '../client/transport.js';
import { SharedInformerFactory } from '../client/informer-factory.js';
import { Recorder } from '../client/record/recorder.js';
import { LeaderElector } from '../client/leaderelection.js';
import { DEFAULT_CONTROLLER_OPTIONS, type Controller, type ControllerDescriptor, type ControllerOptions } from './framework.js';

export interface LeaderElectionOptions { enabled: boolean; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number }

export interface ManagerOptions {
  /** The manager's own credentials (system:kube-controller-manager). */
  config: ClientConfig;
  descriptors: ControllerDescriptor[];
  /** kube-controller-manager's --controllers: `*` (the defaults), `name`, `-name`. */
  controllers?: string[];
  options?: Partial<ControllerOptions>;
  /** Use each controller's ServiceAccount token (default true); false: every controller acts as the manager. */
  useServiceAccountCredentials?: boolean;
  leaderElection?: LeaderElectionOptions;
  /** The component name in Leases and Events. */
  component?: string;
}

const TOKEN_SECONDS = 3600;
const TOKEN_REFRESH_MS = 40 * 60_000;

/** Which descriptors --controllers turns on (Kubernetes' rules: `*` is every default one; `-x` turns x off). */
export function enabledControllers(all: ControllerDescriptor[], flags: string[] = ['*']): ControllerDescriptor[] {
  return all.filter((d) => {
    if (flags.includes(`-${d.name}`)) return false;
    if (flags.includes(d.name)) return true;
    return flags.includes('*') && !d.disabledByDefault;
  });
}

export class ControllerManager {
  private readonly root: Clientset;
  private informers: SharedInformerFactory | undefined;
  private running: { c: Controller; cs: Clientset; recorder: Recorder; refresh?: () => Promise<void> }[] = [];
  private elector: LeaderElector | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private stopped = false;
  readonly identity = `${hostname()}_${randomBytes(8).toString('hex')}`;
  readonly options: ControllerOptions;
  /** Resolves each time this copy starts leading (for tests and the CLI's log line). */
  onLeading: (() => void) | undefined;

  constructor(private readonly o: ManagerOptions) {
    this.root = newClientset({ ...o.config, userAgent: 'kube-controller-manager' });
    this.options = { ...DEFAULT_CONTROLLER_OPTIONS, ...o.options };
  }

  get component(): string { return this.o.component ?? 'kube-controller-manager'; }

  async start(): Promise<void> {
    const le = this.o.leaderElection;
    if (!le?.enabled) return this.startControllers();
    this.elector = new LeaderElector({
      leases: this.root.leases, namespace: 'kube-system', name: this.component, identity: this.identity,
      leaseDurationMs: le.leaseDurationMs, renewDeadlineMs: le.renewDeadlineMs, retryPeriodMs: le.retryPeriodMs,
      onStartedLeading: () => { void this.startControllers().catch((e) => console.error(`skiff ${this.component}:`, e)); },
      // As Kubernetes: a manager that lost its lease exits its controllers rather than risk two leaders.
      onStoppedLeading: () => this.stopControllers(),
    });
    this.elector.run();
  }

  isLeader(): boolean { return this.elector ? this.elector.isLeader() : !!this.informers; }

  /** A client acting as kube-system/`sa`, and how to renew its token (none with the manager's own credentials). */
  private async clientFor(sa: string): Promise<{ cs: Clientset; refresh?: () => Promise<void> }> {
    if (this.o.useServiceAccountCredentials === false) return { cs: newClientset({ ...this.o.config, userAgent: `kube-controller-manager/${sa}` }) };
    try {
      await this.root.serviceaccounts.create('kube-system', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: 'kube-system' } });
    } catch (e) { if (!(e instanceof StatusError && e.code === 409)) throw e; }
    const token = async () => {
      const r = await this.root.transport.request('POST', `/api/v1/namespaces/kube-system/serviceaccounts/${sa}/token`,
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: TOKEN_SECONDS } });
      if (r.status !== 201 && r.status !== 200) throw new Error(`token for kube-system/${sa}: ${r.status} ${r.body.slice(0, 200)}`);
      return JSON.parse(r.body).status.token as string;
    };
    const t = new Transport({ server: this.o.config.server, ca: this.o.config.ca, token: await token(), userAgent: `kube-controller-manager/${sa}`, qps: this.o.config.qps, burst: this.o.config.burst });
    return { cs: newClientset(t), refresh: async () => { t.config.token = await token(); } };
  }

  private async startControllers(): Promise<void> {
    if (this.informers || this.stopped) return;
    const informers = new SharedInformerFactory(this.root);
    this.informers = informers;
    const descs = enabledControllers(this.o.descriptors, this.o.controllers);
    // Credentials for every controller at once: each is a ServiceAccount create and a TokenRequest.
    const clients = await Promise.all(descs.map((d) => this.clientFor(d.serviceAccount)));
    descs.forEach((d, i) => {
      const { cs, refresh } = clients[i];
      const recorder = new Recorder(cs.events, d.component ?? d.serviceAccount);
      const c = d.create({ client: cs, informers, recorder, options: this.options });
      this.running.push({ c, cs, recorder, refresh });
    });
    informers.start();
    await informers.waitForCacheSync();
    if (this.informers !== informers) return; // lost the lease meanwhile
    for (const r of this.running) r.c.run();
    this.refresh = setInterval(() => {
      for (const r of this.running) void r.refresh?.().catch(() => { /* retried next round */ });
    }, TOKEN_REFRESH_MS);
    this.refresh.unref();
    this.onLeading?.();
  }

  private stopControllers(): void {
    clearInterval(this.refresh);
    for (const r of this.running) { r.recorder.closed = true; r.c.stop(); r.cs.close(); }
    this.running = [];
    this.informers?.stop();
    this.informers = undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.elector?.stop();
    this.stopControllers();
    this.root.close();
  }
}
