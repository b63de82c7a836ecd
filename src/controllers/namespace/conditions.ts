/**
 * @module controllers/namespace/conditions
 * The conditions a terminating namespace carries while the namespace controller empties it
 * (Kubernetes' namespaceConditionUpdater): each of the five types is always present, either with
 * its "all is well" reason or with what went wrong or what is left, so `kubectl describe ns`
 * says why a namespace is stuck in Terminating.
 */

export const CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure', 'NamespaceDeletionGroupVersionParsingFailure', 'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining', 'NamespaceFinalizersRemaining',
] as const;
export type NamespaceConditionType = typeof CONDITION_TYPES[number];

const OK: Record<NamespaceConditionType, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

interface Condition { type: string; status: 'True' | 'False'; lastTransitionTime?: string; reason: string; message: string }

/** Go's error aggregate text: one error as itself, several as [a, b]. */
const aggregate = (errs: string[]) => (errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);

export class NamespaceConditionUpdater {
  private readonly failed = new Map<NamespaceConditionType, Condition>();

  discoveryFailed(failedGroups: Map<string, string>): void {
    const detail = [...failedGroups].map(([gv, e]) => `${gv}: ${e}`).join(', ');
    this.set('NamespaceDeletionDiscoveryFailure', 'DiscoveryFailed',
      `Discovery failed for some groups, ${failedGroups.size} failing: unable to retrieve the complete list of server APIs: ${detail}`);
  }

  deleteContentFailed(errs: string[]): void {
    if (!errs.length) return;
    this.set('NamespaceDeletionContentFailure', 'ContentDeletionFailed', `Failed to delete all resource types, ${errs.length} remaining: ${aggregate(errs)}`);
  }

  /** What is left: instances per resource, and per finalizer holding them. */
  contentTotals(byResource: Map<string, number>, byFinalizer: Map<string, number>): void {
    const resources = [...byResource].filter(([, n]) => n > 0).map(([gr, n]) => `${gr} has ${n} resource instances`).sort();
    if (resources.length) this.set('NamespaceContentRemaining', 'SomeResourcesRemain', `Some resources are remaining: ${resources.join(', ')}`);
    const finalizers = [...byFinalizer].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`).sort();
    if (finalizers.length) this.set('NamespaceFinalizersRemaining', 'SomeFinalizersRemain', `Some content in the namespace has finalizers remaining: ${finalizers.join(', ')}`);
  }

  private set(type: NamespaceConditionType, reason: string, message: string): void {
    this.failed.set(type, { type, status: 'True', reason, message });
  }

  /** Put the conditions on the namespace; true when anything changed (a transition gets a new time). */
  update(ns: any, now = new Date()): boolean {
    const existing: Condition[] = ns.status?.conditions ?? [];
    const others = existing.filter((c) => !(CONDITION_TYPES as readonly string[]).includes(c.type));
    let changed = false;
    const ts = now.toISOString().replace(/\.\d+Z$/, 'Z');
    const mine = CONDITION_TYPES.map((type) => {
      const want: Condition = this.failed.get(type) ?? { type, status: 'False', ...OK[type] };
      const have = existing.find((c) => c.type === type);
      if (have && have.status === want.status && have.reason === want.reason && have.message === want.message) return have;
      changed = true;
      return { type, status: want.status, lastTransitionTime: ts, reason: want.reason, message: want.message };
    });
    ns.status = { ...(ns.status ?? {}), conditions: [...others, ...mine] };
    return changed;
  }
}
