/**
 * @module scheduler/framework/pod-info
 * A pod as the scheduler sees it (framework.PodInfo): the object plus everything the plugins
 * would otherwise recompute for every node: its requests, host ports, parsed inter-pod affinity
 * terms, PVC names. Made once per pod object (pods in the informer are immutable and replaced on
 * update, so a WeakMap keyed by the object is an exact cache).
 */
import { fromLabelSelector, nothing, type LabelSelector } from '../../machinery/labels.js';
import { computePodRequests, type Resource } from './resource.js';

/** A required/preferred PodAffinityTerm, parsed: which namespaces and labels it selects, over which topology key. */
export class AffinityTerm {
  constructor(readonly namespaces: ReadonlySet<string>, readonly namespaceSelector: LabelSelector, readonly selector: LabelSelector, readonly topologyKey: string, readonly weight = 0) {}

  /** AffinityTerm.Matches: the pod is in one of the term's namespaces and carries the selected labels. */
  matches(pod: PodInfo, nsLabels: (ns: string) => Record<string, string> | undefined): boolean {
    if (!this.namespaces.has(pod.namespace) && (this.namespaceSelector === NOTHING || !this.namespaceSelector.matches(nsLabels(pod.namespace)))) return false;
    return this.selector.matches(pod.labels);
  }
}
const NOTHING = nothing();

function parseSelector(s: any): LabelSelector {
  try { return fromLabelSelector(s); } catch { return NOTHING; }
}

function parseTerm(t: any, ownNamespace: string, weight = 0): AffinityTerm {
  const nsSel = t.namespaceSelector == null ? NOTHING : parseSelector(t.namespaceSelector);
  const namespaces = new Set<string>(t.namespaces ?? []);
  // No namespaces and no namespaceSelector: the pod's own namespace (as the API documents).
  if (namespaces.size === 0 && t.namespaceSelector == null) namespaces.add(ownNamespace);
  return new AffinityTerm(namespaces, nsSel, parseSelector(t.labelSelector), t.topologyKey ?? '', weight);
}

export interface HostPort { protocol: string; ip: string; port: number }

const EMPTY_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_TERMS: readonly AffinityTerm[] = Object.freeze([]) as readonly AffinityTerm[];

export class PodInfo {
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly priority: number;
  readonly requests: Resource;
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly AffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly AffinityTerm[];
  /** Names of the PersistentVolumeClaims the pod mounts. */
  readonly pvcs: readonly string[];
  /** Per-plugin memo of things derived from this pod (compiled node selectors, ...). */
  readonly memo = new Map<string, unknown>();

  constructor(readonly pod: any) {
    const m = pod.metadata ?? {};
    this.namespace = m.namespace ?? '';
    this.name = m.name ?? '';
    this.key = `${this.namespace}/${this.name}`;
    this.uid = m.uid ?? this.key;
    this.labels = m.labels ?? EMPTY_LABELS;
    this.priority = pod.spec?.priority ?? 0;
    const r = computePodRequests(pod);
    this.requests = r.requests;
    this.nonZeroMilliCPU = r.nonZeroMilliCPU;
    this.nonZeroMemory = r.nonZeroMemory;
    const ports: HostPort[] = [];
    for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) {
      if (p.hostPort > 0) ports.push({ protocol: p.protocol || 'TCP', ip: p.hostIP || '0.0.0.0', port: p.hostPort });
    }
    this.hostPorts = ports;
    const pa = pod.spec?.affinity?.podAffinity;
    const paa = pod.spec?.affinity?.podAntiAffinity;
    const ns = this.namespace;
    this.requiredAffinityTerms = pa?.requiredDuringSchedulingIgnoredDuringExecution?.map((t: any) => parseTerm(t, ns)) ?? NO_TERMS;
    this.requiredAntiAffinityTerms = paa?.requiredDuringSchedulingIgnoredDuringExecution?.map((t: any) => parseTerm(t, ns)) ?? NO_TERMS;
    this.preferredAffinityTerms = pa?.preferredDuringSchedulingIgnoredDuringExecution?.map((w: any) => parseTerm(w.podAffinityTerm ?? {}, ns, w.weight ?? 0)) ?? NO_TERMS;
    this.preferredAntiAffinityTerms = paa?.preferredDuringSchedulingIgnoredDuringExecution?.map((w: any) => parseTerm(w.podAffinityTerm ?? {}, ns, w.weight ?? 0)) ?? NO_TERMS;
    const pvcs: string[] = [];
    for (const v of pod.spec?.volumes ?? []) if (v.persistentVolumeClaim?.claimName) pvcs.push(v.persistentVolumeClaim.claimName);
    this.pvcs = pvcs;
  }

  get nodeName(): string { return this.pod.spec?.nodeName ?? ''; }
  get terminating(): boolean { return !!this.pod.metadata?.deletionTimestamp; }
  hasAffinity(): boolean { return this.requiredAffinityTerms.length + this.requiredAntiAffinityTerms.length + this.preferredAffinityTerms.length + this.preferredAntiAffinityTerms.length > 0; }

  /** The same scheduling facts for a copy of the pod (the assumed pod with spec.nodeName set). */
  withPod(pod: any): PodInfo {
    const c = Object.create(PodInfo.prototype) as PodInfo;
    Object.assign(c, this, { pod, memo: this.memo });
    return c;
  }
}

const infos = new WeakMap<object, PodInfo>();

/** The PodInfo for a pod object, made once. */
export function podInfoFor(pod: any): PodInfo {
  let pi = infos.get(pod);
  if (!pi) { pi = new PodInfo(pod); infos.set(pod, pi); }
  return pi;
}

/** The start time preemption compares pods by (status.startTime, else creation). */
export function podStartTime(pod: any): number {
  const t = pod.status?.startTime ?? pod.metadata?.creationTimestamp;
  return t ? Date.parse(t) : 0;
}
