/**
 * @module scheduler/framework/fit-error
 * FitError's message, formatted exactly as kube-scheduler's so users (and tools grepping events)
 * see the familiar "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint
 * {...}. preemption: ...": each reason counted over the nodes, the counted reasons sorted as
 * strings, each part closed with ".".
 */
import type { Status } from './status.js';

export function fitErrorMessage(numAllNodes: number, preFilterMsg: string, statuses: Map<string, Status>, postFilterMsg = ''): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMsg) msg += ` ${preFilterMsg}.`;
  else {
    const counts = new Map<string, number>();
    for (const st of statuses.values()) for (const r of st.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (postFilterMsg) msg += ` ${postFilterMsg}.`;
  return msg;
}

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/** What a scheduling cycle ends with when no node fits (thrown, but not an Error: it is an answer, not a bug). */
export class FitError {
  postFilterMsg = '';
  constructor(readonly numAllNodes: number, readonly statuses: Map<string, Status>, readonly preFilterMsg = '', readonly unschedulablePlugins = new Set<string>()) {}
  get message(): string {
    if (this.numAllNodes === 0) return NO_NODES_AVAILABLE;
    return fitErrorMessage(this.numAllNodes, this.preFilterMsg, this.statuses, this.postFilterMsg);
  }
}
