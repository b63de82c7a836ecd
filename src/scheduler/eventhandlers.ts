/**
 * @module scheduler/eventhandlers
 * How informer events reach the scheduler (eventhandlers.go): assigned pods feed the cache,
 * unassigned pods for this scheduler feed the queue, and changes that can make a waiting pod
 * schedulable (a node added or relabelled, a pod deleted, a PVC created, ...) move the pods
 * whose rejecting plugins care about that event back to the active queue.
 */
import type { Scheduler } from './scheduler.js';
import type { ClusterEvent } from './framework/interface.js';
import { podInfoFor } from './framework/pod-info.js';

const assigned = (pod: any): boolean => !!pod.spec?.nodeName;
const terminal = (pod: any): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function addAllEventHandlers(s: Scheduler): void {
  const { cache, queue, nominator } = s;
  const move = (e: ClusterEvent) => queue.moveAllToActiveOrBackoffQueue(e);

  s.podInformer.addEventHandler({
    add(pod) {
      if (assigned(pod)) {
        if (terminal(pod)) return;
        const pi = podInfoFor(pod);
        nominator.delete(pi);
        cache.addPod(pi);
        move('AssignedPodAdd');
      } else if (s.responsibleFor(pod) && !terminal(pod)) {
        const pi = podInfoFor(pod);
        queue.add(pi);
        if (pod.status?.nominatedNodeName) nominator.add(pi, pod.status.nominatedNodeName);
      }
    },
    update(oldPod, pod) {
      const pi = podInfoFor(pod);
      if (assigned(pod)) {
        if (!assigned(oldPod)) {
          // Bound (by us, or by someone else): it leaves the queue and joins the cluster state.
          queue.delete(pi.key);
          nominator.delete(pi);
          if (!terminal(pod)) { cache.addPod(pi); move('AssignedPodAdd'); }
          return;
        }
        if (terminal(pod)) {
          // A finished pod no longer uses its node's resources.
          if (cache.hasPod(pi.uid)) { cache.removePod(pi.uid); move('AssignedPodDelete'); }
          return;
        }
        cache.updatePod(pi);
        if (!same(oldPod.metadata?.labels, pod.metadata?.labels)) move('AssignedPodUpdate');
        return;
      }
      if (!s.responsibleFor(pod)) return;
      if (terminal(pod)) { queue.delete(pi.key); nominator.delete(pi); return; }
      // A pod being bound right now: the binding's own result will tell.
      if (cache.isAssumed(pi.uid)) return;
      queue.update(podInfoFor(oldPod), pi);
      const nnn = pod.status?.nominatedNodeName ?? '';
      if (nnn !== (oldPod.status?.nominatedNodeName ?? '')) nominator.add(pi, nnn);
      else if (nominator.nominatedNodeOf(pi)) nominator.add(pi, nominator.nominatedNodeOf(pi)!);
    },
    delete(pod) {
      const pi = podInfoFor(pod);
      if (cache.hasPod(pi.uid)) { cache.removePod(pi.uid); move('AssignedPodDelete'); }
      queue.delete(pi.key);
      nominator.delete(pi);
    },
  });

  s.nodeInformer.addEventHandler({
    add(node) { cache.addOrUpdateNode(node); move('NodeAdd'); },
    update(old, node) {
      cache.addOrUpdateNode(node);
      // Only changes a plugin can care about move pods (heartbeats would otherwise churn the queue).
      if (!same(old.status?.allocatable, node.status?.allocatable)) move('NodeAllocatableChange');
      if (!same(old.metadata?.labels, node.metadata?.labels)) move('NodeLabelChange');
      if (!same(old.spec?.taints, node.spec?.taints)) move('NodeTaintChange');
      if (!!old.spec?.unschedulable !== !!node.spec?.unschedulable) move('NodeSpecUnschedulableChange');
      const conds = (n: any) => (n.status?.conditions ?? []).map((c: any) => `${c.type}=${c.status}`).join(',');
      if (conds(old) !== conds(node)) move('NodeConditionChange');
    },
    delete(node) { cache.removeNode(node.metadata.name); },
  });

  s.pvcInformer.addEventHandler({ add() { move('PvcAdd'); }, update() { move('PvcUpdate'); } });
  s.namespaceInformer.addEventHandler({
    add() { move('NamespaceChange'); },
    update(old, ns) { if (!same(old.metadata?.labels, ns.metadata?.labels)) move('NamespaceChange'); },
  });
}
