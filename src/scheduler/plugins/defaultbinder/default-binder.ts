/**
 * @module scheduler/plugins/defaultbinder
 * DefaultBinder: bind by POSTing a Binding to the pod's `binding` subresource; the API server sets
 * spec.nodeName (once: a pod already bound answers 409) and PodScheduled=True.
 */
import type { BindPlugin, Handle } from '../../framework/interface.js';
import { errorStatus, type Status } from '../../framework/status.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';

export const NAME = 'DefaultBinder';

export class DefaultBinder implements BindPlugin {
  readonly name = NAME;
  constructor(private readonly h: Handle) {}

  async bind(_s: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null> {
    const binding = {
      apiVersion: 'v1', kind: 'Binding',
      metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    try {
      const r = await this.h.client.transport.request('POST', this.h.client.pods.path(pod.namespace, pod.name, 'binding'), binding);
      if (r.status >= 200 && r.status < 300) return null;
      let msg = r.body;
      try { msg = JSON.parse(r.body).message ?? msg; } catch { /* not a Status */ }
      return errorStatus(NAME, new Error(`binding rejected: ${r.status} ${msg}`));
    } catch (e) {
      return errorStatus(NAME, e);
    }
  }
}

export const factory = (_args: unknown, h: Handle): DefaultBinder => new DefaultBinder(h);
