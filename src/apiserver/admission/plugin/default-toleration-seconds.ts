/**
 * @module apiserver/admission/plugin/default-toleration-seconds
 * The DefaultTolerationSeconds admission plugin: pods tolerate the node lifecycle controller's
 * `not-ready` and `unreachable` NoExecute taints for 300 s, so a node that blips does not
 * evict everything at once, but a dead node's pods still move elsewhere.
 */
import type { AdmissionPlugin } from '../interfaces.js';
import { isPod } from './errors.js';

export const taintNodeNotReady = 'node.kubernetes.io/not-ready';
export const taintNodeUnreachable = 'node.kubernetes.io/unreachable';
export const defaultTolerationSeconds = 300;

export function defaultTolerationSecondsPlugin(_client?: unknown, seconds = defaultTolerationSeconds): AdmissionPlugin {
  const toleration = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  return {
    name: 'DefaultTolerationSeconds',
    handles: (a) => a.operation === 'CREATE' && isPod(a),
    async admit(a) {
      const spec = a.object?.spec;
      if (!spec) return;
      const tolerates = (key: string) => (spec.tolerations ?? []).some((t: any) =>
        (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
      const add = [taintNodeNotReady, taintNodeUnreachable].filter((k) => !tolerates(k));
      if (add.length) spec.tolerations = [...(spec.tolerations ?? []), ...add.map(toleration)];
    },
  };
}
