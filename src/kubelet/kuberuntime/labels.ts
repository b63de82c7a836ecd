/**
 * @module kubelet/kuberuntime/labels
 * The labels and annotations the kubelet puts on sandboxes and containers (upstream's labels.go).
 * They are the kubelet's only memory that survives a restart: a new kubelet reads them back to
 * know which pod and container a runtime object belongs to, which attempt it is, and whether its
 * spec still matches (the hash), so it can adopt running containers instead of restarting them.
 */
import { createHash } from 'node:crypto';

export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';
export const RESTART_COUNT_ANNOTATION = 'io.kubernetes.container.restartCount';
export const CONTAINER_HASH_ANNOTATION = 'io.kubernetes.container.hash';
export const TERMINATION_MESSAGE_PATH_ANNOTATION = 'io.kubernetes.container.terminationMessagePath';
export const TERMINATION_MESSAGE_POLICY_ANNOTATION = 'io.kubernetes.container.terminationMessagePolicy';
export const POD_TERMINATION_GRACE_PERIOD_ANNOTATION = 'io.kubernetes.pod.terminationGracePeriod';

/** Labels of a pod's sandbox: the pod's own labels plus the identity labels. */
export function newPodLabels(pod: any): Record<string, string> {
  const m = pod.metadata;
  return { ...(m.labels ?? {}), [POD_NAME_LABEL]: m.name, [POD_NAMESPACE_LABEL]: m.namespace ?? 'default', [POD_UID_LABEL]: m.uid };
}

/** Labels of a container: which pod and which spec container it is. */
export function newContainerLabels(pod: any, container: any): Record<string, string> {
  const m = pod.metadata;
  return { [POD_NAME_LABEL]: m.name, [POD_NAMESPACE_LABEL]: m.namespace ?? 'default', [POD_UID_LABEL]: m.uid, [CONTAINER_NAME_LABEL]: container.name };
}

/** Annotations of a container: attempt, spec hash, termination message settings, pod grace. */
export function newContainerAnnotations(pod: any, container: any, restartCount: number): Record<string, string> {
  const a: Record<string, string> = {
    [CONTAINER_HASH_ANNOTATION]: hashContainer(container),
    [RESTART_COUNT_ANNOTATION]: String(restartCount),
    [TERMINATION_MESSAGE_PATH_ANNOTATION]: container.terminationMessagePath ?? '/dev/termination-log',
    [TERMINATION_MESSAGE_POLICY_ANNOTATION]: container.terminationMessagePolicy ?? 'File',
  };
  if (pod.spec?.terminationGracePeriodSeconds !== undefined) a[POD_TERMINATION_GRACE_PERIOD_ANNOTATION] = String(pod.spec.terminationGracePeriodSeconds);
  return a;
}

/** JSON with sorted keys, so equal specs hash equal whatever order their fields arrived in. */
function stableJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJSON).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).filter((k) => (v as any)[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJSON((v as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The container spec's hash (upstream's HashContainer). A running container whose hash differs
 * from its spec's was made from an older spec (e.g. a new image) and is restarted. Deterministic
 * across kubelet restarts, so adopted containers keep running.
 */
export function hashContainer(container: any): string {
  return createHash('sha256').update(stableJSON(container)).digest('hex').slice(0, 16);
}

/** The restart count a container was created with (its annotation, else its CRI attempt). */
export function restartCountOf(c: { annotations?: Record<string, string>; metadata: { attempt: number } }): number {
  const n = Number(c.annotations?.[RESTART_COUNT_ANNOTATION]);
  return Number.isFinite(n) && c.annotations?.[RESTART_COUNT_ANNOTATION] !== undefined ? n : c.metadata.attempt;
}

/** The spec container's name a runtime container runs (its label, else its CRI metadata). */
export function containerNameOf(c: { labels?: Record<string, string>; metadata: { name: string } }): string {
  return c.labels?.[CONTAINER_NAME_LABEL] ?? c.metadata.name;
}
