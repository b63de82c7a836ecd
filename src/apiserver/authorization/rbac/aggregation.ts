/**
 * @module apiserver/authorization/rbac/aggregation
 * Kubernetes' clusterrole-aggregation controller: a ClusterRole with an aggregationRule gets as
 * rules the union of the rules of every ClusterRole its label selectors match (this is how admin,
 * edit and view pick up the `aggregate-to-*` roles, and CRD authors extend them). Sources are taken
 * in name order and rules deduplicated in first-seen order, so the result is stable; the role is
 * written only when its rules differ.
 */
import type { LoopbackClient } from '../../registry/loopback.js';
import { fromLabelSelector, type LabelSelector } from '../../../machinery/labels.js';
import { RBAC_GROUP, type ClusterRole, type PolicyRule } from './types.js';

/** Semantic equality of rules: key order, and nil versus empty lists, do not matter. */
function ruleKey(r: PolicyRule): string {
  const lists = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const;
  return JSON.stringify(lists.map((k) => r[k] ?? []));
}

/** The rules an aggregated ClusterRole should have, given every ClusterRole. */
export function aggregateRules(target: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const selectors: LabelSelector[] = [];
  for (const s of target.aggregationRule?.clusterRoleSelectors ?? []) {
    try { selectors.push(fromLabelSelector(s as any)); } catch { /* an invalid selector matches nothing */ }
  }
  const sources = all
    .filter((r) => r.metadata.name !== target.metadata.name && selectors.some((s) => s.matches(r.metadata.labels ?? {})))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const seen = new Set<string>();
  const out: PolicyRule[] = [];
  for (const src of sources) {
    for (const rule of src.rules ?? []) {
      const k = ruleKey(rule);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(structuredClone(rule));
    }
  }
  return out;
}

const sameRules = (a: readonly PolicyRule[] | null | undefined, b: readonly PolicyRule[]): boolean =>
  (a ?? []).length === b.length && (a ?? []).every((r, i) => ruleKey(r) === ruleKey(b[i]));

export class ClusterRoleAggregationController {
  private unsubscribe: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly client: LoopbackClient) {}

  /** Aggregate once now, then after every ClusterRole change. */
  async start(): Promise<void> {
    this.unsubscribe ??= this.client.onChange(RBAC_GROUP, 'clusterroles', () => { void this.sync().catch(() => {}); });
    await this.sync();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** One pass over every aggregated ClusterRole; overlapping calls coalesce into one more pass. */
  sync(): Promise<void> {
    if (this.running) { this.again = true; return this.running; }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.syncOnce();
        } while (this.again);
      } finally { this.running = undefined; }
    })();
    return this.running;
  }

  private async syncOnce(): Promise<void> {
    const all: ClusterRole[] = await this.client.list(RBAC_GROUP, 'clusterroles');
    for (const role of all) {
      if (!role.aggregationRule) continue;
      const want = aggregateRules(role, all);
      if (sameRules(role.rules, want)) continue;
      await this.client.update(RBAC_GROUP, 'clusterroles', '', role.metadata.name, (cur: ClusterRole) => {
        if (!cur.aggregationRule) return null;
        if (sameRules(cur.rules, want)) return null;
        cur.rules = want;
        return cur;
      });
    }
  }
}
