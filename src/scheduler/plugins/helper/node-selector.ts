/**
 * @module scheduler/plugins/helper/node-selector
 * The pod's compiled required node affinity, memoised on its PodInfo for every node a cycle
 * checks; the matching itself is machinery/scheduling/nodeaffinity.
 */
import { RequiredNodeAffinity } from '../../../machinery/scheduling/nodeaffinity.js';
import type { PodInfo } from '../../framework/pod-info.js';

export { CompiledNodeSelector, CompiledTerm, PreferredSchedulingTerms, RequiredNodeAffinity } from '../../../machinery/scheduling/nodeaffinity.js';

export function requiredNodeAffinityOf(pi: PodInfo): RequiredNodeAffinity {
  let r = pi.memo.get('RequiredNodeAffinity') as RequiredNodeAffinity | undefined;
  if (!r) { r = new RequiredNodeAffinity(pi.pod); pi.memo.set('RequiredNodeAffinity', r); }
  return r;
}
