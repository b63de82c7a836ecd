/**
 * @module scheduler/framework/interface
 * The scheduling framework's extension points (kube-scheduler framework/interface.go). A plugin
 * implements the ones it needs; the Framework calls them in order for each pod:
 * PreFilter -> Filter (per node) -> PostFilter (only if no node fits) -> PreScore -> Score (per
 * feasible node) + NormalizeScore -> Reserve -> Bind. Filters and scores are synchronous: a
 * scheduling cycle never waits on I/O, so the cache cannot change under it; only Bind is async.
 */
import type { Clientset } from '../../client/clientset.js';
import type { EventRecorder } from '../../client/record/recorder.js';
import type { Status } from './status.js';
import type { CycleState } from './cycle-state.js';
import type { PodInfo } from './pod-info.js';
import type { NodeInfo } from './node-info.js';

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

export interface Plugin { readonly name: string }

/** PreFilterExtensions: keep PreFilter's precomputed state right when preemption adds/removes pods. */
export interface PreFilterExtensions {
  addPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void;
  removePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void;
}

export interface PreFilterPlugin extends Plugin {
  /** null = Success; a Skip status skips this plugin's Filter; a rejection fails every node. */
  preFilter(state: CycleState, pod: PodInfo): Status | null;
  readonly preFilterExtensions?: PreFilterExtensions;
}

export interface FilterPlugin extends Plugin {
  /** null = the node fits as far as this plugin knows. */
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
}

export interface PostFilterResult { status: Status; nominatedNodeName?: string }

export interface PostFilterPlugin extends Plugin {
  /** Called when no node fits; `statuses` has every evaluated node's rejection. */
  postFilter(state: CycleState, pod: PodInfo, statuses: Map<string, Status>): PostFilterResult;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): Status | null;
}

export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rescale the raw scores (one per node, same order) into 0..100 in place. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: number[]): void;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status | null;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface BindPlugin extends Plugin {
  /** A Skip status passes to the next binder. */
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null>;
}

/** Which cluster changes may make a pod this plugin rejected schedulable (EnqueueExtensions). */
export type ClusterEvent =
  | 'NodeAdd' | 'NodeDelete' | 'NodeAllocatableChange' | 'NodeLabelChange' | 'NodeTaintChange' | 'NodeConditionChange' | 'NodeSpecUnschedulableChange'
  | 'AssignedPodAdd' | 'AssignedPodUpdate' | 'AssignedPodDelete' | 'UnscheduledPodUpdate'
  | 'PvcAdd' | 'PvcUpdate' | 'PvAdd' | 'NamespaceChange';

export interface EnqueueExtensions { eventsToRegister(): ClusterEvent[] }

/** The nodes as the cycle sees them. */
export interface NodeInfoLister {
  list(): readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /** Nodes having at least one pod with any inter-pod (anti-)affinity term. */
  havePodsWithAffinity(): Iterable<NodeInfo>;
  havePodsWithRequiredAntiAffinity(): Iterable<NodeInfo>;
  /** How many nodes report each image (ImageLocality's spread). */
  imageNodeCount(image: string): number;
  /** How many pods (on any node) mount the PVC "ns/claim". */
  pvcUseCount(key: string): number;
}

/** Pods nominated to nodes by preemption, which lower-priority pods must not take the room of. */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
}

/** framework.Handle: what a plugin may reach besides its arguments. */
export interface Handle {
  client: Clientset;
  recorder: EventRecorder;
  schedulerName: string;
  snapshot: NodeInfoLister;
  nominator: PodNominator;
  /** Labels of a namespace (for namespaceSelector); undefined if unknown. */
  namespaceLabels(ns: string): Record<string, string> | undefined;
  /** A PersistentVolumeClaim from the informer cache. */
  getPVC(ns: string, name: string): any | undefined;
  /** The pod as the informer has it now. */
  getPod(ns: string, name: string): any | undefined;
  /** The framework itself (preemption re-runs the filters). */
  framework: FrameworkRunner;
}

/** The parts of the Framework a plugin (DefaultPreemption) calls back into. */
export interface FrameworkRunner {
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void;
  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void;
}

export interface PluginFactory<A = any> {
  (args: A, handle: Handle): Plugin;
}

/** A pod waiting in the scheduling queue (framework.QueuedPodInfo). */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When it was last added to the queue (the tie-break after priority). */
  timestamp: number;
  /** Scheduling attempts so far (drives the backoff). */
  attempts: number;
  /** When it was first queued (for metrics). */
  initialAttemptTimestamp: number;
  /** Plugins that rejected it last time: only events they care about move it back. */
  unschedulablePlugins: Set<string>;
  /** Held back by PreEnqueue (scheduling gates). */
  gated: boolean;
  /** Insertion order, to break exact timestamp ties deterministically. */
  seq: number;
}

export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

export interface PreEnqueuePlugin extends Plugin {
  /** null = the pod may enter the active queue. */
  preEnqueue(pod: PodInfo): Status | null;
}
