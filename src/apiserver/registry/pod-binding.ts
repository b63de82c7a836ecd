/**
 * @module apiserver/registry/pod-binding
 * The `pods/binding` subresource (and the older `bindings` resource): how a scheduler assigns a
 * pod to a node. The only way spec.nodeName is set on an existing pod; it succeeds once: a pod
 * already bound, being deleted, or still gated answers 409 Conflict, so two schedulers racing
 * for one pod cannot both win (the write is a compare-and-swap on the pod's resourceVersion).
 * As Kubernetes' BindingREST: the Binding's annotations are copied onto the pod and the pod's
 * PodScheduled condition becomes True.
 */
import { badRequest, conflict, notFound } from '../../machinery/status.js';
import { invalidError, required, invalid, type FieldError } from '../../machinery/field-errors.js';
import type { ResourceRegistry } from './resources.js';
import type { VirtualHandler } from '../endpoints/virtual.js';
import { successStatus } from '../endpoints/response.js';

export function podBindingHandler(reg: ResourceRegistry, fromBody = false): VirtualHandler {
  return {
    apiVersion: 'v1', kind: 'Binding',
    async handle({ ri, body, dryRun }) {
      const ns = ri.namespace;
      const name = fromBody ? body.metadata?.name : ri.name;
      if (!name) throw badRequest('name is required in the Binding');
      if (!fromBody && body.metadata?.name && body.metadata.name !== name) throw badRequest('name in URL does not match name in Binding object');
      const errs: FieldError[] = [];
      const target = body.target ?? {};
      if (!target.name) errs.push(required('target.name'));
      if (target.kind && target.kind !== 'Node') errs.push(invalid('target.kind', target.kind, 'must be empty or \'Node\''));
      if (errs.length) throw invalidError('', 'Binding', name, errs);
      const info = reg.findAnyVersion('', 'pods');
      if (!info) throw notFound('', 'pods', name);
      const store = reg.storeFor(info);
      await store.guaranteedUpdate(ns, name, (pod) => {
        if (pod.metadata.deletionTimestamp) throw conflict('', 'pods', name, `pod ${name} is being deleted, cannot be assigned to a host`);
        if (pod.spec?.nodeName) throw conflict('', 'pods', name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
        if (pod.spec?.schedulingGates?.length) throw conflict('', 'pods', name, `pod ${name} has non-empty .spec.schedulingGates`);
        pod.spec.nodeName = target.name;
        if (body.metadata?.annotations) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...body.metadata.annotations };
        pod.status ??= {};
        const conds: any[] = (pod.status.conditions ??= []);
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const c = conds.find((x) => x.type === 'PodScheduled');
        if (c) { if (c.status !== 'True') { c.status = 'True'; c.lastTransitionTime = now; delete c.reason; delete c.message; } } else conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
        return pod;
      }, { dryRun });
      return { code: 201, obj: successStatus({ name, kind: 'pods' }) };
    },
  };
}
