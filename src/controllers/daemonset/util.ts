/**
 * @module controllers/daemonset/util
 * What a DaemonSet adds to the pods it makes (Kubernetes' daemon/util): the default tolerations,
 * so node conditions turned taints do not evict or block a daemon; the required node affinity
 * `matchFields metadata.name In [node]` that makes the default scheduler bind the pod to its node;
 * the revision label that tells updated pods from old ones; maxSurge and maxUnavailable as numbers.
 */

export const DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY = 'controller-revision-hash';
export const DAEMONSET_TEMPLATE_GENERATION_KEY = 'pod-template-generation';
/** The annotation the API server keeps the template generation in (old DaemonSets' way to tell pods apart). */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

function addOrUpdateToleration(spec: any, t: any): void {
  const list: any[] = spec.tolerations ?? [];
  const i = list.findIndex((x) => x.key === t.key && x.effect === t.effect && (x.operator ?? 'Equal') === t.operator);
  if (i >= 0) list[i] = t; else list.push(t);
  spec.tolerations = list;
}

/** The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations). */
export function addOrUpdateDaemonPodTolerations(spec: any): void {
  // Not-ready and unreachable nodes keep their daemons (no eviction after tolerationSeconds).
  addOrUpdateToleration(spec, { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute' });
  addOrUpdateToleration(spec, { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' });
  // Resource pressure and cordoning do not stop daemons (often the very agents that fix them).
  addOrUpdateToleration(spec, { key: TAINT_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' });
  addOrUpdateToleration(spec, { key: TAINT_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' });
  addOrUpdateToleration(spec, { key: TAINT_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' });
  addOrUpdateToleration(spec, { key: TAINT_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' });
  // A host-network daemon (a CNI plugin, say) is what makes the network available.
  if (spec.hostNetwork) addOrUpdateToleration(spec, { key: TAINT_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' });
}

/** The template generation from the DaemonSet's annotation, if the API server set one. */
export function getTemplateGeneration(ds: any): number | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/** The template daemon pods are made from: the DaemonSet's, with the default tolerations and the revision labels. */
export function createPodTemplate(template: any, generation: number | undefined, hash: string): any {
  const t = structuredClone(template ?? {});
  t.metadata = { ...(t.metadata ?? {}) };
  t.spec = t.spec ?? {};
  addOrUpdateDaemonPodTolerations(t.spec);
  const labels = { ...(t.metadata.labels ?? {}) };
  if (generation !== undefined) labels[DAEMONSET_TEMPLATE_GENERATION_KEY] = String(generation);
  if (hash) labels[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY] = hash;
  t.metadata.labels = labels;
  return t;
}

/**
 * Required node affinity that only `nodeName` satisfies. Any other required terms are replaced:
 * the controller has already checked the node satisfies them, and a second term would be ORed.
 */
export function replaceDaemonSetPodNodeNameNodeAffinity(affinity: any, nodeName: string): any {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const a = structuredClone(affinity ?? {});
  a.nodeAffinity = { ...(a.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } };
  return a;
}

/** The node a daemon pod is for: spec.nodeName once bound, else the node its affinity names. */
export function getTargetNodeName(pod: any): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** Made from the current template: its revision hash (or the old generation label) matches. */
export function isPodUpdated(pod: any, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const templateMatches = generation !== undefined && labels[DAEMONSET_TEMPLATE_GENERATION_KEY] === String(generation);
  const hashMatches = hash.length > 0 && labels[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY] === hash;
  return hashMatches || templateMatches;
}

/** An int-or-percent of `total`, percentages rounded up (intstr.GetScaledValueFromIntOrPercent with roundUp). */
export function scaledValue(v: number | string | undefined, total: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  if (v.endsWith('%')) return Math.ceil((Number(v.slice(0, -1)) * total) / 100);
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

export const allowsSurge = (ds: any): boolean =>
  ds.spec?.updateStrategy?.type === 'RollingUpdate' && scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, 100, 0) !== 0;
