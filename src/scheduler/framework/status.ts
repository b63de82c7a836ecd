/**
 * @module scheduler/framework/status
 * What a plugin answers: a Status with a code (as kube-scheduler's framework.Code) and the
 * reasons shown to users ("Insufficient cpu"). Plugins return statuses, never throw: a filter that
 * rejects a node is the normal case, not an error. `null` stands for Success so the hot path
 * (thousands of filter calls per pod) allocates nothing.
 */

export enum Code {
  Success = 0,
  /** An internal problem: the pod is retried with backoff. */
  Error = 1,
  /** The node does not fit now; preemption might help. */
  Unschedulable = 2,
  /** The node does not fit and preemption cannot change that (taints, affinity, ...). */
  UnschedulableAndUnresolvable = 3,
  Wait = 4,
  /** PreFilter/PreScore: nothing to do for this pod, skip the plugin's Filter/Score. */
  Skip = 5,
  Pending = 6,
}

export class Status {
  constructor(readonly code: Code, readonly reasons: readonly string[] = [], readonly plugin = '') {}
  message(): string { return this.reasons.join(', '); }
  isSuccess(): boolean { return this.code === Code.Success; }
  isSkip(): boolean { return this.code === Code.Skip; }
  isRejected(): boolean { return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable || this.code === Code.Pending; }
  withPlugin(plugin: string): Status { return plugin === this.plugin ? this : new Status(this.code, this.reasons, plugin); }
}

export const unschedulable = (plugin: string, ...reasons: string[]): Status => new Status(Code.Unschedulable, reasons, plugin);
export const unresolvable = (plugin: string, ...reasons: string[]): Status => new Status(Code.UnschedulableAndUnresolvable, reasons, plugin);
export const errorStatus = (plugin: string, err: unknown): Status => new Status(Code.Error, [err instanceof Error ? err.message : String(err)], plugin);
export const SKIP = new Status(Code.Skip);
