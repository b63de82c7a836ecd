/**
 * @module scheduler/plugins/volumerestrictions
 * VolumeRestrictions: volumes that only one pod (or one node) may use. A ReadWriteOncePod claim
 * already mounted by some pod blocks every node (preemption may free it); an in-tree disk (GCE PD,
 * AWS EBS, RBD, iSCSI) already attached read-write on a node blocks that node.
 */
import type { PreFilterPlugin, FilterPlugin, EnqueueExtensions, ClusterEvent, Handle, PreFilterExtensions } from '../../framework/interface.js';
import { SKIP, unresolvable, unschedulable, type Status } from '../../framework/status.js';
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';

export const NAME = 'VolumeRestrictions';
export const ERR_REASON_DISK_CONFLICT = 'node(s) had no available disk';
export const ERR_REASON_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';
const REJECT_DISK = unschedulable(NAME, ERR_REASON_DISK_CONFLICT);
const REJECT_RWOP = unschedulable(NAME, ERR_REASON_RWOP_CONFLICT);
const STATE_KEY = `PreFilter${NAME}`;

class State implements StateData {
  constructor(readonly rwopClaims: Set<string>, public conflicts: number, readonly disks: boolean) {}
  clone(): State { return new State(this.rwopClaims, this.conflicts, this.disks); }
}

const isDisk = (v: any): boolean => !!(v.gcePersistentDisk || v.awsElasticBlockStore || v.rbd || v.iscsi);

/** isVolumeConflict: the same disk mounted twice where at least one mount writes. */
export function volumesConflict(v: any, e: any): boolean {
  if (v.gcePersistentDisk && e.gcePersistentDisk) {
    return v.gcePersistentDisk.pdName === e.gcePersistentDisk.pdName && !(v.gcePersistentDisk.readOnly && e.gcePersistentDisk.readOnly);
  }
  if (v.awsElasticBlockStore && e.awsElasticBlockStore) return v.awsElasticBlockStore.volumeID === e.awsElasticBlockStore.volumeID;
  if (v.iscsi && e.iscsi) return v.iscsi.iqn === e.iscsi.iqn && !(v.iscsi.readOnly && e.iscsi.readOnly);
  if (v.rbd && e.rbd) {
    const overlap = (v.rbd.monitors ?? []).some((m: string) => (e.rbd.monitors ?? []).includes(m));
    return overlap && (v.rbd.pool ?? 'rbd') === (e.rbd.pool ?? 'rbd') && v.rbd.image === e.rbd.image && !(v.rbd.readOnly && e.rbd.readOnly);
  }
  return false;
}

export class VolumeRestrictions implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  constructor(private readonly h: Handle) {}

  preFilter(state: CycleState, pod: PodInfo): Status | null {
    const disks = (pod.pod.spec?.volumes ?? []).some(isDisk);
    if (!disks && !pod.pvcs.length) return SKIP;
    const rwop = new Set<string>();
    let conflicts = 0;
    for (const claim of pod.pvcs) {
      const pvc = this.h.getPVC(pod.namespace, claim);
      if (!pvc) return unresolvable(NAME, `persistentvolumeclaim "${claim}" not found`);
      if (!(pvc.spec?.accessModes ?? []).includes('ReadWriteOncePod')) continue;
      const key = `${pod.namespace}/${claim}`;
      rwop.add(key);
      conflicts += this.h.snapshot.pvcUseCount(key);
    }
    if (!disks && !rwop.size) return SKIP;
    state.write(STATE_KEY, new State(rwop, conflicts, disks));
    return null;
  }

  readonly preFilterExtensions: PreFilterExtensions = {
    addPod: (state, _pod, other) => this.adjust(state, other, 1),
    removePod: (state, _pod, other) => this.adjust(state, other, -1),
  };

  private adjust(state: CycleState, other: PodInfo, by: number): void {
    const s = state.read<State>(STATE_KEY);
    if (!s) return;
    for (const claim of other.pvcs) if (s.rwopClaims.has(`${other.namespace}/${claim}`)) s.conflicts += by;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const s = state.read<State>(STATE_KEY);
    if (!s) return null;
    if (s.conflicts > 0) return REJECT_RWOP;
    if (s.disks) {
      for (const v of pod.pod.spec.volumes) {
        if (!isDisk(v)) continue;
        for (const existing of node.pods) for (const e of existing.pod.spec?.volumes ?? []) if (volumesConflict(v, e)) return REJECT_DISK;
      }
    }
    return null;
  }

  eventsToRegister(): ClusterEvent[] { return ['AssignedPodDelete', 'NodeAdd', 'PvcAdd', 'PvcUpdate']; }
}

export const factory = (_args: unknown, h: Handle): VolumeRestrictions => new VolumeRestrictions(h);
