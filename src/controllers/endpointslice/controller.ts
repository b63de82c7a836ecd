/**
 * @module controllers/endpointslice/controller
 * The EndpointSlice controller: for every Service with a selector, EndpointSlices
 * (`<service>-xxxxx`, owned by the Service, labelled kubernetes.io/service-name and
 * managed-by endpointslice-controller.k8s.io) listing its pods with their conditions, node and
 * zone. Unlike Endpoints, terminating pods stay listed (ready=false, terminating=true) so that
 * proxies can drain them. Slices go with their Service through the garbage collector.
 *
 * A stale slice cache would make the controller create slices twice or write over its own
 * updates, so every write is remembered (the SliceTracker) and a Service is not reconciled again
 * until the informer has seen all of its controller's writes.
 */
import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../../machinery/status.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, keyOf, splitKey, type ControllerContext } from '../framework.js';
import { managesService, podsForService, serviceFamily, shouldPodBeInEndpoints } from '../endpoint/endpointutil.js';
import { TriggerTimeTracker } from '../endpoint/trigger-time.js';
import { byNamespace, servicesForPod } from '../endpoint/service-index.js';
import { endpointKey, endpointPorts, podToEndpoint, portsKey, sortPorts } from './endpoints.js';
import { CONTROLLER_NAME, DEFAULT_MAX_ENDPOINTS_PER_SLICE, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, reconcile, type DesiredGroup } from './reconciler.js';
import { SliceTracker } from './tracker.js';

const serviceKeyOf = (slice: any): string | undefined => {
  const l = slice.metadata.labels ?? {};
  return l[MANAGED_BY_LABEL] === CONTROLLER_NAME && l[SERVICE_NAME_LABEL] ? `${slice.metadata.namespace}/${l[SERVICE_NAME_LABEL]}` : undefined;
};

export class EndpointSliceController extends QueueController {
  private readonly services: Informer;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly slices: Informer;
  private readonly triggerTimes = new TriggerTimeTracker();
  readonly tracker = new SliceTracker();

  constructor(ctx: ControllerContext, private readonly maxEndpointsPerSlice = DEFAULT_MAX_ENDPOINTS_PER_SLICE) {
    super('endpointslice', ctx);
    this.services = ctx.informers.for('services');
    this.pods = ctx.informers.for('pods');
    this.nodes = ctx.informers.for('nodes');
    this.slices = ctx.informers.for('endpointslices');
    this.services.addIndexer('namespace', byNamespace);
    this.pods.addIndexer('namespace', byNamespace);
    this.slices.addIndexer('endpointslice-service', (s) => { const k = serviceKeyOf(s); return k ? [k] : []; });
    this.services.addEventHandler({
      add: (s) => this.enqueue(keyOf(s)), update: (_o, s) => this.enqueue(keyOf(s)), delete: (s) => this.enqueue(keyOf(s)),
    });
    this.pods.addEventHandler({
      add: (p) => this.enqueuePod(p),
      update: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion) return;
        this.enqueuePod(p);
        if (!isDeepStrictEqual(o.metadata.labels ?? {}, p.metadata.labels ?? {})) this.enqueuePod(o);
      },
      delete: (p) => this.enqueuePod(p),
    });
    const onSlice = (s: any, deleted: boolean) => {
      const k = serviceKeyOf(s);
      if (!k) return;
      if (deleted) this.tracker.sliceDeleted(k, s.metadata.uid);
      this.enqueue(k);
    };
    this.slices.addEventHandler({ add: (s) => onSlice(s, false), update: (_o, s) => onSlice(s, false), delete: (s) => onSlice(s, true) });
  }

  private enqueuePod(pod: any): void {
    for (const s of servicesForPod(this.services, pod)) this.enqueue(keyOf(s));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const svc = this.services.get(key);
    if (!svc) {
      // The garbage collector removes the slices with their owner.
      this.triggerTimes.delete(key);
      this.tracker.forgetService(key);
      return;
    }
    if (!managesService(svc)) return;

    const addressType = serviceFamily(svc);
    const pods = podsForService(svc, this.pods.byIndex('namespace', ns));
    const desired = new Map<string, DesiredGroup>();
    const missingNodes: string[] = [];
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const nodeName = pod.spec?.nodeName;
      const node = nodeName ? this.nodes.get(nodeName) : undefined;
      if (nodeName && !node) { missingNodes.push(`skipping Pod ${pod.metadata.name} for Service ${key}: Node ${nodeName} Not Found`); continue; }
      const ep = podToEndpoint(pod, node, svc, addressType);
      if (!ep) continue;
      const ports = sortPorts(endpointPorts(svc, pod));
      const pk = portsKey(ports);
      let g = desired.get(pk);
      if (!g) desired.set(pk, g = { ports, endpoints: new Map() });
      g.endpoints.set(endpointKey(ep), ep);
    }

    const cached = this.slices.byIndex('endpointslice-service', key);
    if (this.tracker.stale(key, cached)) throw new Error(`StaleInformerCache: EndpointSlice informer cache is out of date for ${key}`);
    const existing = cached.filter((s) => !s.metadata.deletionTimestamp);
    const triggerTime = this.triggerTimes.compute(key, svc, pods);
    const plan = reconcile({ service: svc, addressType, desired, existing, maxEndpointsPerSlice: this.maxEndpointsPerSlice, triggerTime });

    const client = this.ctx.client.endpointslices;
    try {
      // Creates first, deletes last, so a Service never momentarily has no endpoints.
      for (const s of plan.create) this.tracker.wrote(key, await client.create(ns, s));
      for (const s of plan.update) this.tracker.wrote(key, await client.update(ns, s));
      for (const s of plan.delete) {
        try {
          await client.delete(ns, s.metadata.name);
          this.tracker.deleted(key, s);
        } catch (e) { if (!(e instanceof StatusError && e.code === 404)) throw e; }
      }
    } catch (e) {
      if (e instanceof StatusError && e.code === 403 && /terminat/i.test(e.message)) return; // namespace going away
      if (!(e instanceof StatusError && e.code === 409)) {
        this.ctx.recorder.event({ ...svc, kind: 'Service', apiVersion: 'v1' }, 'Warning', 'FailedToUpdateEndpointSlices',
          `Error updating Endpoint Slices for Service ${ns}/${name}: ${(e as Error).message}`);
      }
      throw e;
    }
    // A pod on a node the cache does not know yet: try again once it may.
    if (missingNodes.length) throw new Error(missingNodes.join('; '));
  }
}
