/**
 * @module controllers/endpoint/controller
 * The Endpoints controller: for every Service with a selector, an Endpoints object of the same
 * name listing the IPs and ports of the pods it selects, ready ones under `addresses` and the
 * others under `notReadyAddresses`. Services without a selector (and ExternalName ones) are left
 * alone: their Endpoints are the user's. When a Service goes, its Endpoints go with it. Writes
 * happen only when the subsets, labels or over-capacity marker change, with the cached
 * resourceVersion as precondition (a conflict is retried from a fresh cache).
 */
import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../../machinery/status.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, keyOf, splitKey, type ControllerContext } from '../framework.js';
import { HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, managesService, podsForService, rfc3339Nano } from './endpointutil.js';
import { computeSubsets, truncateSubsets } from './subsets.js';
import { TriggerTimeTracker } from './trigger-time.js';
import { servicesForPod, byNamespace } from './service-index.js';

export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
/** Endpoints carrying this annotation are leader-election locks, not a Service's endpoints. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export class EndpointsController extends QueueController {
  private readonly services: Informer;
  private readonly pods: Informer;
  private readonly endpoints: Informer;
  private readonly triggerTimes = new TriggerTimeTracker();

  constructor(ctx: ControllerContext) {
    super('endpoint', ctx);
    this.services = ctx.informers.for('services');
    this.pods = ctx.informers.for('pods');
    this.endpoints = ctx.informers.for('endpoints');
    this.services.addIndexer('namespace', byNamespace);
    this.pods.addIndexer('namespace', byNamespace);
    this.services.addEventHandler({
      add: (s) => this.enqueue(keyOf(s)), update: (_o, s) => this.enqueue(keyOf(s)), delete: (s) => this.enqueue(keyOf(s)),
    });
    this.pods.addEventHandler({
      add: (p) => this.enqueuePod(p),
      update: (o, p) => this.podChanged(o, p),
      delete: (p) => this.enqueuePod(p),
    });
    // Someone deleting or editing a managed Endpoints gets it put back.
    this.endpoints.addEventHandler({
      update: (_o, e) => { if (this.services.get(keyOf(e))) this.enqueue(keyOf(e)); },
      delete: (e) => { if (this.services.get(keyOf(e))) this.enqueue(keyOf(e)); },
    });
  }

  override run(): void {
    // Endpoints whose Service went while no controller was watching are cleaned up (checkLeftoverEndpoints).
    for (const e of this.endpoints.list()) {
      if (e.metadata.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      if (!this.services.get(keyOf(e))) this.enqueue(keyOf(e));
    }
    super.run();
  }

  private enqueuePod(pod: any): void {
    for (const s of servicesForPod(this.services, pod)) this.enqueue(keyOf(s));
  }

  private podChanged(old: any, cur: any): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const keys = new Set(servicesForPod(this.services, cur).map(keyOf));
    // A pod whose labels changed may have left some Services.
    if (!isDeepStrictEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {})) for (const s of servicesForPod(this.services, old)) keys.add(keyOf(s));
    for (const k of keys) this.enqueue(k);
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const svc = this.services.get(key);
    if (!svc) {
      this.triggerTimes.delete(key);
      try { await this.ctx.client.endpoints.delete(ns, name); } catch (e) { if (!(e instanceof StatusError && e.code === 404)) throw e; }
      return;
    }
    if (!managesService(svc)) return;

    const pods = podsForService(svc, this.pods.byIndex('namespace', ns));
    const { subsets: all } = computeSubsets(svc, pods);
    const { subsets, truncated } = truncateSubsets(all);
    const triggerTime = this.triggerTimes.compute(key, svc, pods);

    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (svc.spec.clusterIP === 'None') labels[HEADLESS_LABEL] = ''; else delete labels[HEADLESS_LABEL];

    const current = this.endpoints.get(key);
    if (current
      && isDeepStrictEqual(current.subsets ?? [], subsets)
      && isDeepStrictEqual(current.metadata.labels ?? {}, labels)
      && (current.metadata.annotations?.[OVER_CAPACITY_ANNOTATION] === 'truncated') === truncated) return;

    const next = current ? structuredClone(current) : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns } };
    next.kind = 'Endpoints';
    next.apiVersion = 'v1';
    next.subsets = subsets;
    next.metadata.labels = labels;
    const ann: Record<string, string> = { ...(next.metadata.annotations ?? {}) };
    if (triggerTime) ann[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTime); else delete ann[LAST_CHANGE_TRIGGER_TIME];
    if (truncated) ann[OVER_CAPACITY_ANNOTATION] = 'truncated'; else delete ann[OVER_CAPACITY_ANNOTATION];
    next.metadata.annotations = ann;

    try {
      if (current) await this.ctx.client.endpoints.update(ns, next);
      else await this.ctx.client.endpoints.create(ns, next);
    } catch (e) {
      // A namespace being deleted refuses new objects: nothing to do, the Service is going too.
      if (!current && e instanceof StatusError && e.code === 403 && /terminat/i.test(e.message)) return;
      if (e instanceof StatusError && e.code === 409) throw e; // a stale cache: retried once the informer catches up
      const svcObj = { ...svc, kind: 'Service', apiVersion: 'v1' };
      if (current) this.ctx.recorder.event(svcObj, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${ns}/${name}: ${(e as Error).message}`);
      else this.ctx.recorder.event(svcObj, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${ns}/${name}: ${(e as Error).message}`);
      throw e;
    }
  }
}
