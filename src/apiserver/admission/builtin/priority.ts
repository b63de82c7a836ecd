/**
 * @module apiserver/admission/builtin/priority
 * Priority: a pod's priorityClassName becomes its spec.priority and preemptionPolicy (the
 * globalDefault class, or 0, when it names none). The two system classes always exist.
 */
import { forbidden } from '../../../machinery/status.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { isPodCreate, podName } from './pods.js';

export function builtinPriorityClasses(): any[] {
  const pc = (name: string, value: number, description: string) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name },
    value, description, preemptionPolicy: 'PreemptLowerPriority', globalDefault: false });
  return [pc('system-node-critical', 2000001000, 'Used for system critical pods that must not be moved from their current node.'),
    pc('system-cluster-critical', 2000000000, 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.')];
}

export function priorityPlugin(client: LoopbackClient): AdmissionPlugin {
  const builtin = new Map(builtinPriorityClasses().map((p) => [p.metadata.name, p]));
  return {
    name: 'Priority',
    handles: isPodCreate,
    async admit(a) {
      const spec = a.object?.spec;
      if (!spec) return;
      let pc: any;
      if (spec.priorityClassName) {
        pc = await client.get('scheduling.k8s.io', 'priorityclasses', '', spec.priorityClassName) ?? builtin.get(spec.priorityClassName);
        if (!pc) throw forbidden(`pods "${podName(a)}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`, { name: podName(a), kind: 'pods' });
      } else {
        pc = (await client.list('scheduling.k8s.io', 'priorityclasses')).filter((p) => p.globalDefault === true).sort((x, y) => x.value - y.value)[0];
        if (pc) spec.priorityClassName = pc.metadata.name;
      }
      const value = pc ? pc.value : 0;
      if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value) {
        throw forbidden(`pods "${podName(a)}" is forbidden: the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`, { name: podName(a), kind: 'pods' });
      }
      spec.priority = value;
      spec.preemptionPolicy = pc?.preemptionPolicy ?? 'PreemptLowerPriority';
    },
  };
}
