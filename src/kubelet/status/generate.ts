/**
 * @module kubelet/status/generate
 * The pod conditions the kubelet owns, as upstream's pkg/kubelet/status/generate.go:
 * PodReadyToStartContainers (the sandbox is up with its network), Initialized (every init
 * container completed), ContainersReady (every container ready), Ready (ContainersReady and every
 * readiness gate), and PodScheduled (the pod is on this node). Reasons and messages are
 * upstream's (`ContainersNotReady`, `containers with unready status: [a b]`, `PodCompleted`, ...).
 * lastTransitionTime only moves when a condition's status changes.
 */
import { isRestartableInit } from './phase.js';

export const KUBELET_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'] as const;

export interface Condition { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string; lastProbeTime?: string | null; lastTransitionTime?: string }

const list = (names: string[]) => `[${names.join(' ')}]`;
const statusOf = (statuses: any[] | undefined, name: string) => statuses?.find((s) => s.name === name);

function notReadyMessage(unknown: string[], unready: string[]): string {
  const parts: string[] = [];
  if (unknown.length) parts.push(`containers with unknown status: ${list(unknown)}`);
  if (unready.length) parts.push(`containers with unready status: ${list(unready)}`);
  return parts.join(', ');
}

/** The app containers (and started sidecars) that are not ready, and those with no status. */
function readiness(pod: any, status: any): { unknown: string[]; unready: string[] } {
  const unknown: string[] = [], unready: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) {
    if (!isRestartableInit(c)) continue;
    const s = statusOf(status.initContainerStatuses, c.name);
    if (!s) unknown.push(c.name); else if (!s.ready) unready.push(c.name);
  }
  for (const c of pod.spec?.containers ?? []) {
    const s = statusOf(status.containerStatuses, c.name);
    if (!s) unknown.push(c.name); else if (!s.ready) unready.push(c.name);
  }
  return { unknown, unready };
}

export function containersReadyCondition(pod: any, status: any): Condition {
  const { unknown, unready } = readiness(pod, status);
  if (unknown.length) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: notReadyMessage(unknown, []) };
  if (status.phase === 'Succeeded') return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (unready.length) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: notReadyMessage([], unready) };
  return { type: 'ContainersReady', status: 'True' };
}

export function podReadyCondition(pod: any, status: any, conditions: Condition[]): Condition {
  const cr = containersReadyCondition(pod, status);
  if (cr.status !== 'True') return { ...cr, type: 'Ready' };
  const missing: string[] = [], falses: string[] = [];
  for (const g of pod.spec?.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === g.conditionType);
    if (!c) missing.push(g.conditionType); else if (c.status !== 'True') falses.push(g.conditionType);
  }
  if (missing.length || falses.length) {
    const msgs: string[] = [];
    if (missing.length) msgs.push(`corresponding condition of pod readiness gate "${missing.join('", "')}" does not exist.`);
    if (falses.length) msgs.push(`the status of pod readiness gate "${falses.join('", "')}" is not "True", but False`);
    return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: msgs.join(', ') };
  }
  return { type: 'Ready', status: 'True' };
}

export function podInitializedCondition(pod: any, status: any): Condition {
  const inits = pod.spec?.initContainers ?? [];
  if (!inits.length) return { type: 'Initialized', status: 'True' };
  const unknown: string[] = [], incomplete: string[] = [];
  for (const c of inits) {
    const s = statusOf(status.initContainerStatuses, c.name);
    if (!s) { unknown.push(c.name); continue; }
    if (isRestartableInit(c)) { if (!s.started) incomplete.push(c.name); continue; }
    if (!(s.state?.terminated?.exitCode === 0)) incomplete.push(c.name);
  }
  if (status.phase === 'Succeeded' && !unknown.length) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  // Once any app container has started, init is over for good (a restarted sandbox re-runs init, but the pod was initialized).
  const started = (pod.spec?.containers ?? []).some((c: any) => { const s = statusOf(status.containerStatuses, c.name); return s && (s.state?.running || s.state?.terminated || s.lastState?.terminated); });
  if (started && !unknown.length) return { type: 'Initialized', status: 'True' };
  if (unknown.length || incomplete.length) {
    const parts: string[] = [];
    if (unknown.length) parts.push(`containers with unknown status: ${list(unknown)}`);
    if (incomplete.length) parts.push(`containers with incomplete status: ${list(incomplete)}`);
    return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: parts.join(', ') };
  }
  return { type: 'Initialized', status: 'True' };
}

/** True once the newest sandbox is ready (created with its network). */
export function podReadyToStartContainersCondition(sandboxReady: boolean): Condition {
  return { type: 'PodReadyToStartContainers', status: sandboxReady ? 'True' : 'False' };
}

/**
 * Every kubelet-owned condition for `status` (phase and container statuses already filled), in
 * upstream's order, carrying lastTransitionTime over from `previous` when the status is unchanged.
 * Conditions the kubelet does not own (DisruptionTarget, readiness-gate conditions set by
 * controllers) are kept from `previous` as they are.
 */
export function generateConditions(pod: any, status: any, sandboxReady: boolean, previous: Condition[] | undefined, now: string): Condition[] {
  const prev = previous ?? [];
  const foreign = prev.filter((c) => !(KUBELET_CONDITIONS as readonly string[]).includes(c.type));
  const own: Condition[] = [
    podReadyToStartContainersCondition(sandboxReady),
    podInitializedCondition(pod, status),
    podReadyCondition(pod, status, foreign),
    containersReadyCondition(pod, status),
    { type: 'PodScheduled', status: 'True' },
  ];
  const out: Condition[] = [];
  for (const c of own) {
    const old = prev.find((p) => p.type === c.type);
    out.push({ ...c, lastProbeTime: null, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now });
  }
  return [...out, ...foreign];
}
