/**
 * @module apiserver/admission/chain
 * The admission chain: the enabled plugins in Kubernetes' order; every mutating step runs first
 * (in order), then every validating step (in order). `--enable-admission-plugins` and
 * `--disable-admission-plugins` choose among them, as in kube-apiserver (the order never comes
 * from the flag).
 */
import { badRequest } from '../../machinery/status.js';
import type { AdmissionChain, AdmissionAttributes } from '../registry/context.js';
import type { AdmissionPlugin } from './interfaces.js';

const MUTATING = Object.freeze({ phase: 'mutating' });
const VALIDATING = Object.freeze({ phase: 'validating' });

export function admissionChain(plugins: AdmissionPlugin[]): AdmissionChain & { readonly plugins: readonly AdmissionPlugin[] } {
  const mutating = plugins.filter((p) => p.admit);
  const validating = plugins.filter((p) => p.validate);
  // Span names and attributes made once, not per request.
  const names = new Map(plugins.map((p) => [p, `admission/${p.name}`]));
  /** Run one phase's plugins in order; with a recording trace, each in a span of its own. */
  async function run(list: AdmissionPlugin[], phase: typeof MUTATING | typeof VALIDATING, a: AdmissionAttributes): Promise<void> {
    const t = a.trace?.recording ? a.trace : undefined;
    const step = phase === MUTATING ? 'admit' : 'validate';
    for (const p of list) {
      if (!p.handles(a)) continue;
      if (!t) { await p[step]!(a); continue; }
      const s = t.child(names.get(p)!, phase);
      try { await p[step]!(a); } catch (e) { s.setAttribute('error', String((e as Error)?.message ?? e)); throw e; } finally { s.end(); }
    }
  }
  return {
    plugins,
    admit: (a: AdmissionAttributes) => run(mutating, MUTATING, a),
    validate: (a: AdmissionAttributes) => run(validating, VALIDATING, a),
  };
}

/**
 * The plugins to run: `available` in their given (Kubernetes) order, keeping those enabled by
 * default or by `enable`, minus `disable`. Unknown names are an error, as kube-apiserver says.
 */
export function selectPlugins(available: AdmissionPlugin[], defaultOn: string[], enable: string[], disable: string[]): AdmissionPlugin[] {
  const known = new Set(available.map((p) => p.name));
  for (const n of [...enable, ...disable]) {
    if (!known.has(n)) throw badRequest(`admission plugin "${n}" is unknown; known plugins: ${[...known].join(', ')}`);
  }
  const both = enable.filter((n) => disable.includes(n));
  if (both.length) throw badRequest(`admission plugins ${both.join(', ')} are both enabled and disabled`);
  return available.filter((p) => (defaultOn.includes(p.name) || enable.includes(p.name)) && !disable.includes(p.name));
}
