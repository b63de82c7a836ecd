/**
 * @module scheduler/framework/runtime
 * The Framework for one profile (frameworkImpl): the plugins of each extension point in order,
 * the score weights, and the loops that run them. The hot loops (Filter over nodes, Score over
 * feasible nodes) use arrays fixed per cycle after PreFilter/PreScore said which plugins apply.
 */
import { MAX_NODE_EVENTS } from '../tracing.js';
import type {
  BindPlugin, ClusterEvent, FilterPlugin, FrameworkRunner, Handle, Plugin, PostFilterPlugin, PostFilterResult, PreEnqueuePlugin,
  PreFilterPlugin, PreScorePlugin, QueueSortPlugin, ReservePlugin, ScorePlugin, PodNominator,
} from './interface.js';
import { Code, Status, errorStatus } from './status.js';
import type { CycleState } from './cycle-state.js';
import type { PodInfo } from './pod-info.js';
import type { NodeInfo } from './node-info.js';

export interface PluginSet { queueSort: string; preEnqueue: string[]; preFilter: string[]; filter: string[]; postFilter: string[]; preScore: string[]; score: { name: string; weight: number }[]; reserve: string[]; bind: string[] }

export class Framework implements FrameworkRunner {
  readonly queueSort: QueueSortPlugin;
  readonly preEnqueue: PreEnqueuePlugin[];
  private readonly preFilter: PreFilterPlugin[];
  private readonly filter: FilterPlugin[];
  private readonly postFilter: PostFilterPlugin[];
  private readonly preScore: PreScorePlugin[];
  private readonly score: { p: ScorePlugin; weight: number }[];
  private readonly reserve: ReservePlugin[];
  private readonly bind: BindPlugin[];
  readonly plugins: Map<string, Plugin>;

  constructor(readonly profileName: string, plugins: Map<string, Plugin>, set: PluginSet, private readonly nominator: PodNominator) {
    this.plugins = plugins;
    const get = <T>(n: string): T => { const p = plugins.get(n); if (!p) throw new Error(`plugin ${n} is not registered`); return p as T; };
    this.queueSort = get(set.queueSort);
    this.preEnqueue = set.preEnqueue.map((n) => get<PreEnqueuePlugin>(n));
    this.preFilter = set.preFilter.map((n) => get<PreFilterPlugin>(n));
    this.filter = set.filter.map((n) => get<FilterPlugin>(n));
    this.postFilter = set.postFilter.map((n) => get<PostFilterPlugin>(n));
    this.preScore = set.preScore.map((n) => get<PreScorePlugin>(n));
    this.score = set.score.map((s) => ({ p: get<ScorePlugin>(s.name), weight: s.weight }));
    this.reserve = set.reserve.map((n) => get<ReservePlugin>(n));
    this.bind = set.bind.map((n) => get<BindPlugin>(n));
  }

  /** Plugin -> the events that may help pods it rejected (for the queue). */
  pluginEvents(): Map<string, Set<ClusterEvent>> {
    const m = new Map<string, Set<ClusterEvent>>();
    for (const [name, p] of this.plugins) {
      const ext = p as Partial<{ eventsToRegister(): ClusterEvent[] }>;
      if (typeof ext.eventsToRegister === 'function') m.set(name, new Set(ext.eventsToRegister()));
    }
    return m;
  }

  hasPostFilter(): boolean { return this.postFilter.length > 0; }
  hasScorePlugins(): boolean { return this.score.length > 0; }

  /** RunPreFilterPlugins: null, or the status that rejects the pod everywhere. */
  runPreFilterPlugins(state: CycleState, pod: PodInfo): Status | null {
    for (const p of this.preFilter) {
      let st: Status | null;
      try { st = p.preFilter(state, pod); } catch (e) { return errorStatus(p.name, e); }
      if (!st) continue;
      if (st.code === Code.Skip) { state.skipFilterPlugins.add(p.name); continue; }
      return st.withPlugin(p.name);
    }
    return null;
  }

  /** The filters that apply to this cycle (those whose PreFilter did not Skip). */
  activeFilters(state: CycleState): FilterPlugin[] {
    return state.skipFilterPlugins.size ? this.filter.filter((p) => !state.skipFilterPlugins.has(p.name)) : this.filter;
  }

  /** RunFilterPlugins: the first rejection, or null. */
  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeInfo, filters = this.activeFilters(state)): Status | null {
    const tr = state.trace;
    if (tr) {
      // Traced: the same loop, timing each plugin (only for pods whose cycle is traced).
      for (let i = 0; i < filters.length; i++) {
        const t0 = performance.now();
        const st = filters[i].filter(state, pod, node);
        tr.addFilterTime(filters[i].name, performance.now() - t0);
        if (st) return st.plugin ? st : st.withPlugin(filters[i].name);
      }
      return null;
    }
    for (let i = 0; i < filters.length; i++) {
      const st = filters[i].filter(state, pod, node);
      if (st) return st.plugin ? st : st.withPlugin(filters[i].name);
    }
    return null;
  }

  /**
   * RunFilterPluginsWithNominatedPods: if pods of equal or higher priority are nominated to the
   * node, the pod must fit with them there too (and, as upstream, without them, since a
   * nominated pod may go elsewhere and inter-pod affinity could depend on it).
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo, filters = this.activeFilters(state)): Status | null {
    const nominated = this.nominator.nominatedPodsForNode(node.name);
    if (nominated.length) {
      let withNominated: NodeInfo | null = null;
      let s: CycleState | null = null;
      for (const np of nominated) {
        if (np.uid === pod.uid || np.priority < pod.priority) continue;
        withNominated ??= node.clone();
        s ??= state.clone();
        withNominated.addPod(np);
        this.runPreFilterExtensionAddPod(s, pod, np, withNominated);
      }
      if (withNominated) {
        const st = this.runFilterPlugins(s!, pod, withNominated, filters);
        if (st) return st;
      }
    }
    return this.runFilterPlugins(state, pod, node, filters);
  }

  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void {
    for (const p of this.preFilter) if (p.preFilterExtensions && !state.skipFilterPlugins.has(p.name)) p.preFilterExtensions.addPod(state, pod, toAdd, node);
  }

  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void {
    for (const p of this.preFilter) if (p.preFilterExtensions && !state.skipFilterPlugins.has(p.name)) p.preFilterExtensions.removePod(state, pod, toRemove, node);
  }

  runPostFilterPlugins(state: CycleState, pod: PodInfo, statuses: Map<string, Status>): PostFilterResult {
    let last: PostFilterResult = { status: new Status(Code.Unschedulable, [], '') };
    for (const p of this.postFilter) {
      let r: PostFilterResult;
      try { r = p.postFilter(state, pod, statuses); } catch (e) { return { status: errorStatus(p.name, e) }; }
      if (r.status.code === Code.Success || r.status.code === Code.Error) return r;
      last = r;
    }
    return last;
  }

  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): Status | null {
    for (const p of this.preScore) {
      let st: Status | null;
      try { st = p.preScore(state, pod, nodes); } catch (e) { return errorStatus(p.name, e); }
      if (!st) continue;
      if (st.code === Code.Skip) { state.skipScorePlugins.add(p.name); continue; }
      return st.withPlugin(p.name);
    }
    return null;
  }

  /** RunScorePlugins: per node, the weighted sum of every plugin's normalized score. */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length);
    const tr = state.trace;
    for (const { p, weight } of this.score) {
      if (state.skipScorePlugins.has(p.name)) continue;
      const t0 = tr ? performance.now() : 0;
      for (let i = 0; i < nodes.length; i++) scores[i] = p.score(state, pod, nodes[i]);
      p.normalizeScore?.(state, pod, scores);
      if (tr) { tr.addScoreTime(p.name, performance.now() - t0, nodes.length); tr.pluginScores.set(p.name, scores.slice(0, MAX_NODE_EVENTS)); }
      for (let i = 0; i < nodes.length; i++) totals[i] += scores[i] * weight;
    }
    if (tr) { tr.scoredNodes = nodes.slice(0, MAX_NODE_EVENTS).map((n) => n.name); tr.totals = totals.slice(0, MAX_NODE_EVENTS); }
    return totals;
  }

  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): Status | null {
    for (const p of this.reserve) {
      const st = p.reserve(state, pod, nodeName);
      if (st) return st.withPlugin(p.name);
    }
    return null;
  }

  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reserve.length - 1; i >= 0; i--) this.reserve[i].unreserve(state, pod, nodeName);
  }

  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null> {
    for (const p of this.bind) {
      const st = await p.bind(state, pod, nodeName);
      if (st?.code === Code.Skip) continue;
      return st ? st.withPlugin(p.name) : null;
    }
    return new Status(Code.Error, ['no bind plugin bound the pod'], '');
  }
}

/** Build the plugins a profile names from a registry of factories. */
export function instantiate(registry: Map<string, (args: any, h: Handle) => Plugin>, names: Iterable<string>, args: Record<string, unknown>, h: Handle): Map<string, Plugin> {
  const out = new Map<string, Plugin>();
  for (const n of names) {
    if (out.has(n)) continue;
    const f = registry.get(n);
    if (!f) throw new Error(`plugin ${n} does not exist in the registry`);
    out.set(n, f(args[n] ?? {}, h));
  }
  return out;
}
