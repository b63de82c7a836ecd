/**
 * @module scheduler/framework/registry
 * The in-tree plugins by name (plugins/registry.go) and the default profile's plugin set and
 * score weights (config/v1 default plugins): what `default-scheduler` runs.
 */
import type { Handle, Plugin } from './interface.js';
import type { PluginSet } from './runtime.js';
import * as prioritySort from '../plugins/queuesort/priority-sort.js';
import * as schedulingGates from '../plugins/schedulinggates/scheduling-gates.js';
import * as nodeName from '../plugins/nodename/node-name.js';
import * as nodeUnschedulable from '../plugins/nodeunschedulable/node-unschedulable.js';
import * as nodePorts from '../plugins/nodeports/node-ports.js';
import * as taintToleration from '../plugins/tainttoleration/taint-toleration.js';
import * as nodeAffinity from '../plugins/nodeaffinity/node-affinity.js';
import * as fit from '../plugins/noderesources/fit.js';
import * as balanced from '../plugins/noderesources/balanced-allocation.js';
import * as interPodAffinity from '../plugins/interpodaffinity/inter-pod-affinity.js';
import * as podTopologySpread from '../plugins/podtopologyspread/pod-topology-spread.js';
import * as volumeRestrictions from '../plugins/volumerestrictions/volume-restrictions.js';
import * as imageLocality from '../plugins/imagelocality/image-locality.js';
import * as defaultPreemption from '../plugins/defaultpreemption/default-preemption.js';
import * as defaultBinder from '../plugins/defaultbinder/default-binder.js';

export type Factory = (args: any, h: Handle) => Plugin;

export function inTreeRegistry(): Map<string, Factory> {
  const m = new Map<string, Factory>();
  for (const mod of [prioritySort, schedulingGates, nodeName, nodeUnschedulable, nodePorts, taintToleration, nodeAffinity, fit, balanced,
    interPodAffinity, podTopologySpread, volumeRestrictions, imageLocality, defaultPreemption, defaultBinder]) {
    m.set(mod.NAME, mod.factory as Factory);
  }
  return m;
}

export function defaultPluginSet(): PluginSet {
  return {
    queueSort: prioritySort.NAME,
    preEnqueue: [schedulingGates.NAME],
    preFilter: [nodeAffinity.NAME, nodePorts.NAME, fit.NAME, volumeRestrictions.NAME, interPodAffinity.NAME, podTopologySpread.NAME],
    filter: [nodeUnschedulable.NAME, nodeName.NAME, taintToleration.NAME, nodeAffinity.NAME, nodePorts.NAME, fit.NAME, volumeRestrictions.NAME, podTopologySpread.NAME, interPodAffinity.NAME],
    postFilter: [defaultPreemption.NAME],
    // ImageLocality has no PreScore upstream; here it only skips scoring when no node has the images.
    preScore: [taintToleration.NAME, nodeAffinity.NAME, interPodAffinity.NAME, podTopologySpread.NAME, imageLocality.NAME],
    score: [
      { name: taintToleration.NAME, weight: 3 }, { name: nodeAffinity.NAME, weight: 2 }, { name: fit.NAME, weight: 1 },
      { name: balanced.NAME, weight: 1 }, { name: imageLocality.NAME, weight: 1 }, { name: interPodAffinity.NAME, weight: 2 },
      { name: podTopologySpread.NAME, weight: 2 },
    ],
    reserve: [],
    bind: [defaultBinder.NAME],
  };
}

/** Every plugin name a set uses. */
export function pluginNames(set: PluginSet): Set<string> {
  return new Set([set.queueSort, ...set.preEnqueue, ...set.preFilter, ...set.filter, ...set.postFilter, ...set.preScore, ...set.score.map((s) => s.name), ...set.reserve, ...set.bind]);
}
