/**
 * @module apiserver/admission/plugin/priority
 * The Priority admission plugin: a pod's integer priority and preemption policy come from its
 * PriorityClass (or the cluster's global default class), never from the pod itself, so the
 * scheduler and kubelet eviction can trust them. It also keeps at most one class globalDefault.
 */
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { isPod, newForbidden } from './errors.js';

export const systemNodeCritical = 'system-node-critical';
export const systemClusterCritical = 'system-cluster-critical';
const preemptLowerPriority = 'PreemptLowerPriority';

/** The two classes the API server makes at start (scheduling.SystemPriorityClasses). */
export function builtinPriorityClasses(): any[] {
  const pc = (name: string, value: number, description: string) => ({
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, globalDefault: false,
    description, preemptionPolicy: preemptLowerPriority,
  });
  return [
    pc(systemNodeCritical, 2000001000, 'Used for system critical pods that must not be moved from their current node.'),
    pc(systemClusterCritical, 2000000000, 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'),
  ];
}

const isPriorityClass = (a: { group: string; resource: string; subresource: string }) =>
  a.group === 'scheduling.k8s.io' && a.resource === 'priorityclasses' && a.subresource === '';

export function priorityPlugin(client: LoopbackClient): AdmissionPlugin {
  const getClass = async (name: string): Promise<any | undefined> =>
    (await client.get('scheduling.k8s.io', 'priorityclasses', '', name)) ?? builtinPriorityClasses().find((c) => c.metadata.name === name);

  /** With several defaults (possible only through races), the lowest value wins, as in Kubernetes. */
  async function defaultClass(): Promise<any | undefined> {
    let best: any;
    for (const pc of await client.list('scheduling.k8s.io', 'priorityclasses')) {
      if (pc.globalDefault && (!best || pc.value < best.value)) best = pc;
    }
    return best;
  }

  return {
    name: 'Priority',
    handles: (a) => (isPod(a) && (a.operation === 'CREATE' || a.operation === 'UPDATE'))
      || (isPriorityClass(a) && (a.operation === 'CREATE' || a.operation === 'UPDATE')),
    async admit(a) {
      if (!isPod(a)) return;
      const spec = a.object?.spec;
      if (!spec) return;
      if (a.operation === 'UPDATE') {
        // Priority was fixed at creation; an update may not change it.
        const old = a.oldObject?.spec ?? {};
        if (old.priority === undefined) delete spec.priority; else spec.priority = old.priority;
        if (old.preemptionPolicy === undefined) delete spec.preemptionPolicy; else spec.preemptionPolicy = old.preemptionPolicy;
        return;
      }
      let priority = 0;
      let policy: string | undefined = preemptLowerPriority;
      if (!spec.priorityClassName) {
        const dpc = await defaultClass();
        if (dpc) { spec.priorityClassName = dpc.metadata.name; priority = dpc.value ?? 0; policy = dpc.preemptionPolicy; }
      } else {
        const pc = await getClass(spec.priorityClassName);
        if (!pc) throw newForbidden(a, `no PriorityClass with name ${spec.priorityClassName} was found`);
        priority = pc.value ?? 0;
        policy = pc.preemptionPolicy;
      }
      if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
        throw newForbidden(a, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
      }
      spec.priority = priority;
      policy ??= preemptLowerPriority;
      if (spec.preemptionPolicy && spec.preemptionPolicy !== policy) {
        throw newForbidden(a, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
      }
      spec.preemptionPolicy = policy;
    },
    async validate(a) {
      if (!isPriorityClass(a) || !a.object?.globalDefault) return;
      const name = a.object.metadata?.name ?? a.name;
      for (const pc of await client.list('scheduling.k8s.io', 'priorityclasses')) {
        if (pc.globalDefault && pc.metadata?.name !== name) {
          throw newForbidden(a, `PriorityClass ${pc.metadata.name} is already marked as default. Only one default can exist`);
        }
      }
    },
  };
}
