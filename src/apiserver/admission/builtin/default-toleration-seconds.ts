/**
 * @module apiserver/admission/builtin/default-toleration-seconds
 * DefaultTolerationSeconds: every pod tolerates a not-ready or unreachable node for 300 s before
 * eviction, unless it already says otherwise.
 */
import type { AdmissionPlugin } from '../interfaces.js';
import { isPodCreate } from './pods.js';

const KEYS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

export function defaultTolerationSecondsPlugin(seconds = 300): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    handles: isPodCreate,
    async admit(a) {
      const spec = a.object?.spec;
      if (!spec) return;
      const tol: any[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      for (const key of KEYS) {
        if (tol.some((t) => t && t.key === key && (!t.effect || t.effect === 'NoExecute'))) continue;
        tol.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
      }
      spec.tolerations = tol;
    },
  };
}
