/**
 * @module apiserver/controlplane/kubernetes-service
 * The API server publishing itself (Kubernetes' pkg/controlplane/controller/kubernetesservice
 * with the endpoint reconciler): the Service `default/kubernetes` (ClusterIP 10.96.0.1, port 443
 * named `https`, targetPort = the server's real secure port) and its Endpoints and EndpointSlice
 * pointing at the advertise address. Pods reach the API at https://kubernetes.default.svc and
 * kube-proxy programs that Service like any other, so these objects must exist and be right.
 *
 * Like upstream it checks every 10 s (the --endpoint-reconciler interval) and puts back whatever
 * someone changed or deleted; unlike upstream it also looks again as soon as a Service, Endpoints
 * or EndpointSlice changes, so a deleted object comes back in milliseconds rather than seconds.
 * Each check reads the watch cache first, so the extra looks cost next to nothing.
 *
 * One API server only: upstream's lease reconciler keeps one address per live server under a
 * TTL key; skiff runs one API server per cluster, so its single address is the whole list.
 */
import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../../machinery/status.js';
import type { ResourceRegistry } from '../registry/resources.js';
import type { LoopbackClient } from '../registry/loopback.js';
import { systemContext } from '../registry/loopback.js';
import type { Runnable } from '../server.js';
import { EndpointsAdapter, type EndpointPort, type SyncResult } from '../reconcilers/endpoints-adapter.js';

/** The namespace and name of the API server's own Service. */
export const KUBERNETES_SERVICE = { namespace: 'default', name: 'kubernetes' } as const;
/** The ClusterIP of `default/kubernetes`: the first address of the service CIDR (10.96.0.0/12). */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
/** How often the objects are checked even when nothing was seen to change (upstream's EndpointInterval). */
export const DEFAULT_ENDPOINT_INTERVAL_MS = 10_000;

export interface KubernetesServiceOptions {
  /** The address the endpoints list (--advertise-address). */
  advertiseAddress: string;
  /** The server's real secure port: the Service's targetPort and the endpoints' port. */
  securePort: number;
  /** The Service's port (default 443, as upstream). */
  servicePort?: number;
  /** Milliseconds between periodic checks (default 10 s). */
  intervalMs?: number;
  /** Where failures are reported (default: stderr). */
  log?: (msg: string) => void;
}

/** The least time between two change-triggered checks. */
const MIN_GAP_MS = 100;

/** The result of one reconcile of the three objects. */
export interface KubernetesServiceSync { service: SyncResult; endpoints: SyncResult; endpointSlice: SyncResult }

/** The Service ports the API server publishes: `https` on servicePort to the server's own port. */
export function kubernetesServicePorts(servicePort: number, securePort: number): any[] {
  return [{ name: 'https', port: servicePort, protocol: 'TCP', targetPort: securePort }];
}

/** The whole `default/kubernetes` Service as made when it is missing. */
export function kubernetesService(servicePort: number, securePort: number): any {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: KUBERNETES_SERVICE.name, namespace: KUBERNETES_SERVICE.namespace, labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: KUBERNETES_SERVICE_IP, ports: kubernetesServicePorts(servicePort, securePort), sessionAffinity: 'None' },
  };
}

/** Keeps `default/kubernetes` (Service, Endpoints, EndpointSlice) pointing at this API server. */
export class KubernetesServiceController implements Runnable {
  private readonly adapter: EndpointsAdapter;
  private readonly servicePort: number;
  private readonly log: (msg: string) => void;
  private timer?: NodeJS.Timeout;
  private unsubscribe: Array<() => void> = [];
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private lastError = '';

  constructor(private readonly registry: ResourceRegistry, private readonly client: LoopbackClient, private readonly opts: KubernetesServiceOptions) {
    this.adapter = new EndpointsAdapter(registry, KUBERNETES_SERVICE.namespace, KUBERNETES_SERVICE.name);
    this.servicePort = opts.servicePort ?? 443;
    this.log = opts.log ?? ((m) => process.stderr.write(`skiff apiserver: ${m}\n`));
  }

  /** The endpoint ports: the server's secure port, named `https`. */
  get endpointPorts(): EndpointPort[] {
    return [{ name: 'https', port: this.opts.securePort, protocol: 'TCP' }];
  }

  /** Reconcile once (so the objects exist when the server says it is ready), then keep them so. */
  async start(): Promise<void> {
    this.stopped = false;
    try { await this.sync(); } catch (e) { this.report(e); }
    for (const [group, resource] of [['', 'services'], ['', 'endpoints'], ['discovery.k8s.io', 'endpointslices']] as const) {
      this.unsubscribe.push(this.client.onChange(group, resource, () => this.kick()));
    }
    this.timer = setInterval(() => this.kick(), this.opts.intervalMs ?? DEFAULT_ENDPOINT_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const u of this.unsubscribe.splice(0)) u();
    await this.running;
  }

  /**
   * Check again soon; checks never overlap, and changes during one make exactly one more, at
   * least MIN_GAP_MS later: every Service/Endpoints/EndpointSlice write in the cluster wakes this
   * controller, and a bulk load of thousands must not keep it busy.
   */
  kick(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.running = (async () => {
      for (;;) {
        this.again = false;
        try { await this.sync(); this.lastError = ''; } catch (e) { this.report(e); }
        if (!this.again || this.stopped) break;
        await new Promise((r) => setTimeout(r, MIN_GAP_MS));
        if (this.stopped) break;
      }
      this.running = undefined;
    })();
  }

  /** One pass over the Service, then the Endpoints and the EndpointSlice. */
  async sync(): Promise<KubernetesServiceSync> {
    const service = await this.syncService();
    const { endpoints, endpointSlice } = await this.adapter.sync([this.opts.advertiseAddress], this.endpointPorts);
    for (const [what, r] of [['Service', service], ['Endpoints', endpoints], ['EndpointSlice', endpointSlice]] as const) {
      if (r === 'updated') this.log(`Resetting ${what} for master service "${KUBERNETES_SERVICE.name}" to ${this.opts.advertiseAddress}:${this.opts.securePort}`);
    }
    return { service, endpoints, endpointSlice };
  }

  /** Create the Service if it is gone; put its ports and type back if someone changed them (upstream's reconcile=true). */
  private async syncService(): Promise<SyncResult> {
    const store = this.registry.storeFor(this.registry.find('', 'v1', 'services')!);
    const { namespace, name } = KUBERNETES_SERVICE;
    const wantPorts = kubernetesServicePorts(this.servicePort, this.opts.securePort);
    for (let attempt = 0; ; attempt++) {
      try {
        const cur = attempt === 0 ? await this.client.get('', 'services', namespace, name) : await store.get(namespace, name).catch((e) => {
          if (e instanceof StatusError && e.code === 404) return undefined;
          throw e;
        });
        if (!cur) {
          await store.create(namespace, kubernetesService(this.servicePort, this.opts.securePort), systemContext());
          return 'created';
        }
        if (cur.spec?.type === 'ClusterIP' && portsMatch(cur.spec?.ports ?? [], wantPorts)) return 'unchanged';
        const next = structuredClone(cur);
        next.spec.type = 'ClusterIP';
        next.spec.ports = wantPorts;
        await store.update(namespace, name, next, systemContext());
        return 'updated';
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409) || attempt >= 4) throw e;
      }
    }
  }

  /** Failures are logged once each (not every 10 s while they last) and retried by the next check. */
  private report(e: unknown): void {
    const msg = (e as Error).message ?? String(e);
    if (msg === this.lastError) return;
    this.lastError = msg;
    this.log(`unable to sync kubernetes service: ${msg}`);
  }
}

/** Upstream compares name, port, protocol and targetPort of each port, in order. */
function portsMatch(have: any[], want: any[]): boolean {
  if (have.length !== want.length) return false;
  return want.every((w, i) => have[i].name === w.name && have[i].port === w.port && (have[i].protocol ?? 'TCP') === w.protocol && isDeepStrictEqual(have[i].targetPort, w.targetPort));
}
