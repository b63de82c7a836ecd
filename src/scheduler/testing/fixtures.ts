/**
 * @module scheduler/testing/fixtures
 * In-memory nodes, pods and a framework over a SchedulerCache, for the scheduler's unit tests:
 * no API server, no informers. `schedule(pod)` runs one cycle and assumes the result, as the
 * Scheduler would.
 */
import type { Handle, Plugin } from '../framework/interface.js';
import { CycleState } from '../framework/cycle-state.js';
import { PodInfo } from '../framework/pod-info.js';
import { Framework, instantiate, type PluginSet } from '../framework/runtime.js';
import { defaultPluginSet, inTreeRegistry, pluginNames } from '../framework/registry.js';
import { SchedulerCache } from '../cache/cache.js';
import { Nominator } from '../queue/nominator.js';
import { schedulePod } from '../schedule-one.js';
import { FitError } from '../framework/fit-error.js';
import { Code } from '../framework/status.js';

let uid = 0;

export function makeNode(name: string, o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: any[]; unschedulable?: boolean; images?: any[]; extra?: Record<string, string> } = {}): any {
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...(o.extra ?? {}) };
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, uid: `node-${name}`, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: alloc, capacity: alloc, conditions: [{ type: 'Ready', status: 'True' }], images: o.images ?? [] },
  };
}

export function makePod(name: string, o: { ns?: string; cpu?: string; memory?: string; labels?: Record<string, string>; priority?: number; nodeName?: string; spec?: any; created?: string } = {}): any {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: o.ns ?? 'default', uid: `uid-${name}-${++uid}`, labels: o.labels ?? {}, creationTimestamp: o.created ?? '2024-01-01T00:00:00Z' },
    spec: {
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9', resources: { requests } }],
      ...(o.priority !== undefined ? { priority: o.priority } : {}), ...(o.nodeName ? { nodeName: o.nodeName } : {}), ...(o.spec ?? {}),
    },
    status: {},
  };
}

export interface TestCluster {
  cache: SchedulerCache;
  nominator: Nominator;
  fw: Framework;
  handle: Handle;
  namespaces: Map<string, Record<string, string>>;
  pvcs: Map<string, any>;
  /** Add assigned pods to the cache. */
  place(...pods: any[]): void;
  /** One cycle: the chosen node (assumed into the cache), or the FitError. */
  schedule(pod: any, percentage?: number): string | FitError;
  /** One cycle, then PostFilter if nothing fits; returns the nomination and status. */
  scheduleWithPreemption(pod: any): { node?: string; nominated?: string; message: string };
}

export function testCluster(nodes: any[], o: { plugins?: PluginSet; args?: Record<string, unknown>; deleted?: string[] } = {}): TestCluster {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addOrUpdateNode(n);
  const nominator = new Nominator();
  const namespaces = new Map<string, Record<string, string>>();
  const pvcs = new Map<string, any>();
  const deleted = o.deleted ?? [];
  const fakeClient: any = {
    pods: {
      patch: async () => ({}),
      delete: async (ns: string, name: string) => { deleted.push(`${ns}/${name}`); return {}; },
    },
    transport: { request: async () => ({ status: 201, body: '{}' }) },
  };
  let fw!: Framework;
  const handle: Handle = {
    client: fakeClient, recorder: { event() {} }, schedulerName: 'default-scheduler', snapshot: cache, nominator,
    namespaceLabels: (ns) => namespaces.get(ns), getPVC: (ns, n) => pvcs.get(`${ns}/${n}`), getPod: () => undefined,
    get framework() { return fw; },
  };
  const set = o.plugins ?? defaultPluginSet();
  const plugins: Map<string, Plugin> = instantiate(inTreeRegistry(), pluginNames(set), o.args ?? {}, handle);
  fw = new Framework('default-scheduler', plugins, set, nominator);
  let start = 0;
  const tc: TestCluster = {
    cache, nominator, fw, handle, namespaces, pvcs,
    place(...pods) { for (const p of pods) cache.addPod(new PodInfo(p)); },
    schedule(pod, percentage = 0) {
      const pi = new PodInfo(pod);
      try {
        const r = schedulePod(fw, new CycleState(), pi, cache.list(), percentage, start, !nominator.empty);
        start = (start + r.processed) % Math.max(1, cache.nodeCount);
        cache.assumePod(pi.withPod({ ...pod, spec: { ...pod.spec, nodeName: r.node } }));
        return r.node;
      } catch (e) {
        if (e instanceof FitError) return e;
        throw e;
      }
    },
    scheduleWithPreemption(pod) {
      const pi = new PodInfo(pod);
      const state = new CycleState();
      try {
        const r = schedulePod(fw, state, pi, cache.list(), 0, 0, !nominator.empty);
        return { node: r.node, message: '' };
      } catch (e) {
        if (!(e instanceof FitError)) throw e;
        const r = fw.runPostFilterPlugins(state, pi, e.statuses);
        if (r.status.code !== Code.Success) e.postFilterMsg = r.status.message();
        if (r.nominatedNodeName) nominator.add(pi, r.nominatedNodeName);
        return { nominated: r.nominatedNodeName, message: e.message };
      }
    },
  };
  return tc;
}
