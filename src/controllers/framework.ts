/**
 * @module controllers/framework
 * What every controller in the controller manager is given and how it runs: a ControllerContext
 * (its own API client, the process's shared informers, an event recorder, the manager's options),
 * and QueueController, the level-triggered reconcile loop of the seed's pseudocode: informer
 * events put keys in a work queue; workers take a key and `sync` it, reading the desired and
 * current state from the informers' caches and writing the difference through the API. A sync
 * that throws is retried with the queue's backoff, up to MAX_RETRIES, as Kubernetes' controllers do.
 */
import type { Clientset } from '../client/clientset.js';
import type { SharedInformerFactory } from '../client/informer-factory.js';
import type { EventRecorder } from '../client/record/recorder.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Informer } from '../client/informer.js';
import { objectSpanContext } from '../tracing/annotation.js';
import { tracer, tracingEnabled, withSpan } from '../tracing/provider.js';

/** The controller manager's tracer (service.name kube-controller-manager). */
export const CONTROLLER_MANAGER_SERVICE = 'kube-controller-manager';

export interface ControllerOptions {
  /** The cluster's pod network, cut into a podCIDR per node by node IPAM (`--cluster-cidr`). */
  clusterCIDR: string;
  /** Prefix length of each node's podCIDR (`--node-cidr-mask-size`). */
  nodeCIDRMaskSize: number;
  /** A node whose Lease is not renewed for this long is NotReady/Unknown (`--node-monitor-grace-period`). */
  nodeMonitorGracePeriodMs: number;
  /** How often the node lifecycle controller checks nodes (`--node-monitor-period`). */
  nodeMonitorPeriodMs: number;
  /** Finished pods kept before pod GC deletes the oldest (`--terminated-pod-gc-threshold`). */
  terminatedPodGCThreshold: number;
  /** Workers per controller (`--concurrent-*-syncs`). */
  workers: number;
  /** The CA the CSR signer issues with (`--cluster-signing-cert-file` / `--cluster-signing-key-file`); no signer without them. */
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** Longest certificate the CSR signer issues (`--cluster-signing-duration`, default one year). */
  clusterSigningDurationMs?: number;
}

export const DEFAULT_CONTROLLER_OPTIONS: ControllerOptions = {
  clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, nodeMonitorGracePeriodMs: 40_000, nodeMonitorPeriodMs: 5_000, terminatedPodGCThreshold: 12_500, workers: 5,
};

export interface ControllerContext {
  /** A client with this controller's own identity (its ServiceAccount in kube-system, as `--use-service-account-credentials`). */
  client: Clientset;
  /** Shared informers (list+watch as the manager itself): register handlers before the manager starts them. */
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  options: ControllerOptions;
}

export interface Controller {
  readonly name: string;
  /** Start the workers; called after every informer has synced. */
  run(): void;
  stop(): void;
}

/** How a controller is made: its name in `--controllers`, the ServiceAccount it acts as, and a factory. */
export interface ControllerDescriptor {
  name: string;
  serviceAccount: string;
  /** The `source` of its Events when not the ServiceAccount name (the node lifecycle controller's are "node-controller" anyway). */
  component?: string;
  /** Off unless named in --controllers (as Kubernetes' bootstrapsigner, tokencleaner). */
  disabledByDefault?: boolean;
  create(ctx: ControllerContext): Controller;
}

export const MAX_RETRIES = 15;

export abstract class QueueController implements Controller {
  readonly queue: WorkQueue;
  private stopped = false;
  /**
   * The informer of the kind this controller reconciles: a sync of a key whose object carries a
   * trace context (trace.skiff.dev/traceparent) runs in a `reconcile` span under it, and the writes
   * it makes join that trace.
   */
  protected primary?: Informer;

  constructor(readonly name: string, protected readonly ctx: ControllerContext, private readonly workers = ctx.options.workers) {
    // Named after the controller, so its workqueue_* metrics carry name="deployment" etc.
    this.queue = new WorkQueue(undefined, name);
  }

  /** Bring the object named by `key` to its desired state. Throw to be retried later. */
  protected abstract sync(key: string): Promise<void>;

  enqueue(key: string): void { this.queue.add(key); }

  run(): void {
    for (let i = 0; i < this.workers; i++) void this.worker();
  }

  stop(): void {
    this.stopped = true;
    this.queue.shutDown();
  }

  private traceSync(key: string): Promise<void> {
    const parent = this.primary && tracingEnabled() ? objectSpanContext(this.primary.get(key)) : undefined;
    if (!parent) return this.sync(key);
    const span = tracer(CONTROLLER_MANAGER_SERVICE).startChild('reconcile', parent, { attributes: { controller: this.name, key } });
    return withSpan(span, () => this.sync(key)).then(() => span.end(), (e) => { span.setAttribute('error', String((e as Error)?.message ?? e)); span.end(); throw e; });
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.traceSync(key);
        this.queue.forget(key);
      } catch (e) {
        if (this.queue.numRequeues(key) < MAX_RETRIES) this.queue.addRateLimited(key);
        else { this.queue.forget(key); console.error(`skiff ${this.name}: dropping ${key} out of the queue: ${(e as Error)?.message ?? e}`); }
      } finally {
        this.queue.done(key);
      }
    }
  }
}

/** The namespace/name key of an object (name alone for cluster-scoped ones), as client-go's MetaNamespaceKeyFunc. */
export { keyOf } from '../client/informer.js';

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

/** The controller ownerReference of an object (the one with controller: true), if any. */
export function controllerRef(obj: any): any | undefined {
  return obj?.metadata?.ownerReferences?.find((r: any) => r.controller);
}

export function newControllerRef(owner: any, apiVersion: string, kind: string): any {
  return { apiVersion, kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}
