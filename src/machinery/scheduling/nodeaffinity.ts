/**
 * @module machinery/scheduling/nodeaffinity
 * Compiled node selectors (Kubernetes' component-helpers nodeaffinity), shared by the scheduler
 * and the DaemonSet controller: spec.nodeSelector plus the required NodeSelectorTerms (ORed; each
 * term ANDs its matchExpressions over labels and matchFields over metadata.name), and the
 * preferred terms with their weights. Compiled once per pod, so matching a node is a few map
 * lookups. An invalid requirement makes its term match nothing, as upstream.
 */
import { newRequirement, type Requirement, type Operator } from '../labels.js';

/** What matching needs of a node: its labels and its name. */
export interface NodeLike { readonly labels: Record<string, string>; readonly name: string }

const OPS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: 'gt', Lt: 'lt' };

/** One NodeSelectorTerm: label requirements and metadata.name requirements; null if it can match nothing. */
export class CompiledTerm {
  constructor(readonly labels: readonly Requirement[], readonly fields: readonly Requirement[]) {}
  matches(node: NodeLike): boolean {
    for (const r of this.labels) if (!r.matches(node.labels)) return false;
    if (this.fields.length) {
      const f = { 'metadata.name': node.name };
      for (const r of this.fields) if (!r.matches(f)) return false;
    }
    return true;
  }
}

function compileTerm(t: any): CompiledTerm | null {
  const me = t?.matchExpressions ?? [];
  const mf = t?.matchFields ?? [];
  if (!me.length && !mf.length) return null;
  try {
    const labels = me.map((r: any) => newRequirement(r.key, OPS[r.operator] ?? (() => { throw new Error('bad operator'); })(), [...(r.values ?? [])]));
    const fields = mf.map((r: any) => {
      if (r.key !== 'metadata.name' || (r.operator !== 'In' && r.operator !== 'NotIn')) throw new Error('unsupported field selector');
      return newRequirement('metadata.name', OPS[r.operator], [...(r.values ?? [])]);
    });
    return new CompiledTerm(labels, fields);
  } catch { return null; }
}

/** NodeSelectorTerms ORed (nodeaffinity.NodeSelector). */
export class CompiledNodeSelector {
  readonly terms: readonly CompiledTerm[];
  constructor(terms: any[]) { this.terms = terms.map(compileTerm).filter((t): t is CompiledTerm => t !== null); }
  matches(node: NodeLike): boolean {
    for (const t of this.terms) if (t.matches(node)) return true;
    return false;
  }
}

/** What a pod requires of a node: spec.nodeSelector AND required node affinity (RequiredNodeAffinity). */
export class RequiredNodeAffinity {
  readonly selector: readonly [string, string][] | null;
  readonly affinity: CompiledNodeSelector | null;
  constructor(pod: any) {
    const ns = pod.spec?.nodeSelector;
    this.selector = ns && Object.keys(ns).length ? Object.entries(ns) : null;
    const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.affinity = req ? new CompiledNodeSelector(req.nodeSelectorTerms ?? []) : null;
  }
  get empty(): boolean { return !this.selector && !this.affinity; }
  matches(node: NodeLike): boolean {
    if (this.selector) for (const [k, v] of this.selector) if (node.labels[k] !== v) return false;
    return this.affinity ? this.affinity.matches(node) : true;
  }
}

/** Preferred terms with weights (PreferredSchedulingTerms). */
export class PreferredSchedulingTerms {
  readonly terms: readonly { weight: number; term: CompiledTerm }[];
  constructor(prefs: any[]) {
    const out: { weight: number; term: CompiledTerm }[] = [];
    for (const p of prefs) {
      if (!p?.weight) continue;
      const term = compileTerm(p.preference);
      if (term) out.push({ weight: p.weight, term });
    }
    this.terms = out;
  }
  score(node: NodeLike): number {
    let s = 0;
    for (const t of this.terms) if (t.term.matches(node)) s += t.weight;
    return s;
  }
}
