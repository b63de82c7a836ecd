/**
 * @module controllers/job/pod-failure-policy
 * A Job's spec.podFailurePolicy applied to one failed pod: the first rule whose onExitCodes or
 * onPodConditions requirement the pod meets decides what the failure means (FailJob: the whole
 * Job fails at once; FailIndex: only the pod's index fails; Ignore: the failure does not count
 * against backoffLimit; Count: it counts, as when no rule matches). Only pods in phase Failed are
 * judged; a pod still terminating is not failed yet.
 */

export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface PodFailurePolicyResult {
  /** The action of the matching rule, if any rule matched. */
  action?: PodFailurePolicyAction;
  /** Does the failure count against backoffLimit (or backoffLimitPerIndex)? */
  countFailed: boolean;
  /** For FailJob: the message of the Job's failure condition, in Kubernetes' words. */
  message?: string;
}

function exitCodeMatches(req: any, code: number): boolean {
  const values: number[] = req.values ?? [];
  if (req.operator === 'In') return values.includes(code);
  if (req.operator === 'NotIn') return !values.includes(code);
  return false;
}

/** The first container (init containers last, as Kubernetes checks them) whose non-zero exit code meets the requirement. */
function matchingContainer(pod: any, req: any): { name: string; exitCode: number } | undefined {
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  for (const cs of statuses) {
    const t = cs?.state?.terminated;
    // A zero exit code is success and never matches, whatever the operator.
    if (!t || t.exitCode === 0 || t.exitCode === undefined) continue;
    if (req.containerName && req.containerName !== cs.name) continue;
    if (exitCodeMatches(req, t.exitCode)) return { name: cs.name, exitCode: t.exitCode };
  }
  return undefined;
}

function matchingCondition(pod: any, patterns: any[]): string | undefined {
  for (const p of patterns) {
    const want = p.status ?? 'True';
    if ((pod.status?.conditions ?? []).some((c: any) => c.type === p.type && c.status === want)) return p.type;
  }
  return undefined;
}

/** Judge a failed pod by the policy; a pod that is not Failed, or no policy, counts as a plain failure. */
export function matchPodFailurePolicy(policy: any, pod: any): PodFailurePolicyResult {
  if (!policy?.rules || pod?.status?.phase !== 'Failed') return { countFailed: true };
  const who = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const [i, rule] of (policy.rules as any[]).entries()) {
    const action = rule.action as PodFailurePolicyAction;
    let message: string | undefined;
    if (rule.onExitCodes) {
      const c = matchingContainer(pod, rule.onExitCodes);
      if (!c) continue;
      message = `Container ${c.name} for pod ${who} failed with exit code ${c.exitCode} matching ${action} rule at index ${i}`;
    } else if (rule.onPodConditions) {
      const t = matchingCondition(pod, rule.onPodConditions);
      if (!t) continue;
      message = `Pod ${who} has condition ${t} matching ${action} rule at index ${i}`;
    } else continue;
    switch (action) {
      case 'Ignore': return { action, countFailed: false };
      case 'Count': return { action, countFailed: true };
      case 'FailIndex': return { action, countFailed: true };
      case 'FailJob': return { action, countFailed: true, message };
      default: continue; // an action this version does not know: skip the rule, as Kubernetes does
    }
  }
  return { countFailed: true };
}
