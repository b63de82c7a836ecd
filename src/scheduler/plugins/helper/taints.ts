/**
 * @module scheduler/plugins/helper/taints
 * Toleration matching (v1.Toleration.ToleratesTaint): an empty effect tolerates every effect, an
 * empty key with operator Exists tolerates every taint, Equal compares values.
 */
import type { Taint } from '../../framework/node-info.js';

export interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (t.operator && t.operator !== 'Equal') return false;
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
