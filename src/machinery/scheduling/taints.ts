/**
 * @module machinery/scheduling/taints
 * Toleration matching, shared by the scheduler, the DaemonSet controller and the node lifecycle
 * controller (Kubernetes keeps it in k8s.io/api's Toleration.ToleratesTaint for the same reason):
 * an empty effect tolerates every effect, an empty key with operator Exists tolerates every
 * taint, Equal (the default) compares values.
 */
export interface Taint { key: string; value?: string; effect: string; timeAdded?: string }
export interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number | null }

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (t.operator && t.operator !== 'Equal') return false;
  // An empty key only goes with Exists (validation refuses it otherwise): it tolerates nothing here.
  if (!t.key) return false;
  return (t.value ?? '') === (taint.value ?? '');
}

export function tolerationsTolerate(tols: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (tols) for (const t of tols) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint with one of `effects` that no toleration tolerates (FindMatchingUntoleratedTaint). */
export function findUntoleratedTaint(taints: readonly Taint[], tols: readonly Toleration[] | undefined, effects: (e: string) => boolean): Taint | undefined {
  for (const taint of taints) if (effects(taint.effect) && !tolerationsTolerate(tols, taint)) return taint;
  return undefined;
}
