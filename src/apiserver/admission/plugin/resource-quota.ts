/**
 * @module apiserver/admission/plugin/resource-quota
 * The ResourceQuota admission plugin and its controller. Admission charges each create to the
 * namespace's ResourceQuota objects (status.used) with a compare-and-swap write that re-checks
 * the fresh quota, so concurrent creates cannot overshoot `hard`; the controller recomputes
 * status.used from what really exists, giving back what deleted or finished objects held. Since
 * a create is charged before the object reaches the watch cache, the controller does not lower a
 * quota charged in the last moments (it checks again once that settles) rather than undo a charge.
 */
import { newQuantity, parseQuantity, type Quantity } from '../../../machinery/quantity.js';
import type { AdmissionAttributes } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { newForbidden } from './errors.js';

type Usage = Map<string, Quantity>;

/** Core resources quota counts by their bare name (object-count quota from before count/). */
const legacyCounted = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);
/** Resources quota checks before they are stored: each container must state them. */
const podValidationSet = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);
const standardCompute = new Set(['cpu', 'memory', 'ephemeral-storage']);
const ignoredResources = new Set(['tokenreviews', 'subjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']);
/** How long after an admission charge the controller keeps usage from going down. */
export const defaultSettleMs = 2000;

const recentCharges = new WeakMap<LoopbackClient, Map<string, number>>();
function markCharged(client: LoopbackClient, ns: string, name: string): void {
  if (!recentCharges.has(client)) recentCharges.set(client, new Map());
  recentCharges.get(client)!.set(`${ns}/${name}`, Date.now());
}
function settlingFor(client: LoopbackClient, ns: string, name: string, settleMs: number): number {
  const at = recentCharges.get(client)?.get(`${ns}/${name}`);
  return at === undefined ? 0 : Math.max(0, at + settleMs - Date.now());
}

const add = (u: Usage, k: string, v: Quantity) => { const c = u.get(k); u.set(k, c ? c.add(v) : v); };
const one = () => newQuantity(1);
const qty = (v: unknown) => parseQuantity(String(v));

/** Requests or limits of the pod: containers summed, an init container may need more alone. */
function podResources(spec: any, field: 'requests' | 'limits'): Usage {
  const sum: Usage = new Map();
  for (const c of spec.containers ?? []) for (const [k, v] of Object.entries(c.resources?.[field] ?? {})) add(sum, k, qty(v));
  for (const c of spec.initContainers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[field] ?? {})) {
      const x = qty(v), cur = sum.get(k);
      if (!cur || x.cmp(cur) > 0) sum.set(k, x);
    }
  }
  for (const [k, v] of Object.entries(spec.overhead ?? {})) add(sum, k, qty(v));
  return sum;
}

/** QuotaV1Pod: whether a pod still holds its quota (not finished, not past its deletion grace). */
export function podCountsForQuota(pod: any): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const del = pod.metadata?.deletionTimestamp, grace = pod.metadata?.deletionGracePeriodSeconds;
  if (del && grace !== undefined && grace !== null) return Date.parse(del) + grace * 1000 > Date.now();
  return true;
}

/** What one object adds to quota usage, under every name a quota may track it by. */
export function usageOf(group: string, resource: string, obj: any): Usage {
  const u: Usage = new Map();
  u.set(group ? `count/${resource}.${group}` : `count/${resource}`, one());
  if (group !== '') return u;
  if (legacyCounted.has(resource)) u.set(resource, one());
  const spec = obj?.spec ?? {};
  if (resource === 'pods') {
    for (const [k, v] of podResources(spec, 'requests')) {
      u.set(`requests.${k}`, v);
      if (standardCompute.has(k)) u.set(k, v);
    }
    for (const [k, v] of podResources(spec, 'limits')) u.set(`limits.${k}`, v);
  } else if (resource === 'services') {
    if (spec.type === 'LoadBalancer') u.set('services.loadbalancers', one());
    const nodePorts = spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
    if (nodePorts) u.set('services.nodeports', newQuantity((spec.ports ?? []).length));
  } else if (resource === 'persistentvolumeclaims') {
    const storage = spec.resources?.requests?.storage;
    const sc = spec.storageClassName;
    if (storage !== undefined) u.set('requests.storage', qty(storage));
    if (sc) {
      u.set(`${sc}.storageclass.storage.k8s.io/persistentvolumeclaims`, one());
      if (storage !== undefined) u.set(`${sc}.storageclass.storage.k8s.io/requests.storage`, qty(storage));
    }
  }
  return u;
}

function isBestEffort(spec: any): boolean {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].every((c: any) =>
    !Object.keys(c.resources?.requests ?? {}).length && !Object.keys(c.resources?.limits ?? {}).length);
}

function podMatchesScope(scope: string, op: string | undefined, values: string[], pod: any): boolean {
  const spec = pod.spec ?? {};
  const terminating = typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0;
  switch (scope) {
    case 'Terminating': return terminating;
    case 'NotTerminating': return !terminating;
    case 'BestEffort': return isBestEffort(spec);
    case 'NotBestEffort': return !isBestEffort(spec);
    case 'PriorityClass': {
      const pc = spec.priorityClassName ?? '';
      if (op === 'In') return values.includes(pc);
      if (op === 'NotIn') return !values.includes(pc);
      if (op === 'Exists') return pc !== '';
      if (op === 'DoesNotExist') return pc === '';
      return false;
    }
    case 'CrossNamespacePodAffinity': {
      const a = spec.affinity ?? {};
      const terms = [a.podAffinity, a.podAntiAffinity].flatMap((x: any) => [
        ...(x?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        ...(x?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w: any) => w.podAffinityTerm ?? {}),
      ]);
      return terms.some((t: any) => (t.namespaces ?? []).length > 0 || t.namespaceSelector);
    }
    default: return false;
  }
}

/** Whether the quota's scopes select the object; scoped quotas only ever track pods. */
export function quotaMatches(quota: any, group: string, resource: string, obj: any): boolean {
  const scopes: string[] = quota.spec?.scopes ?? [];
  const exprs: any[] = quota.spec?.scopeSelector?.matchExpressions ?? [];
  if (!scopes.length && !exprs.length) return true;
  if (group !== '' || resource !== 'pods') return false;
  return scopes.every((s) => podMatchesScope(s, undefined, [], obj))
    && exprs.every((e) => podMatchesScope(e.scopeName, e.operator, e.values ?? [], obj));
}

/** podEvaluator.Constraints: which compute resources each container fails to state. */
function podConstraintErrors(hardNames: string[], pod: any): string | undefined {
  const required = hardNames.filter((n) => podValidationSet.has(n));
  if (!required.length) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const has = usageOf('', 'pods', { spec: { containers: [c] } });
    for (const r of required) if (!has.has(r)) { if (!missing.has(r)) missing.set(r, new Set()); missing.get(r)!.add(c.name); }
  }
  if (!missing.size) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

const pretty = (names: string[], get: (n: string) => Quantity) => names.map((n) => `${n}=${get(n)}`).join(',');

/** The 403 for a request that would take the quota past hard, or undefined if it fits. */
function exceededError(a: AdmissionAttributes, quota: any, requested: Usage): Error | undefined {
  const hard: Record<string, string> = quota.spec?.hard ?? {};
  const used: Record<string, string> = quota.status?.used ?? {};
  const usedOf = (n: string) => (used[n] !== undefined ? qty(used[n]) : newQuantity(0));
  const exceeded = [...requested.keys()].filter((n) => usedOf(n).add(requested.get(n)!).cmp(qty(hard[n])) > 0).sort();
  if (!exceeded.length) return undefined;
  return newForbidden(a, `exceeded quota: ${quota.metadata.name}, requested: ${pretty(exceeded, (n) => requested.get(n)!)}, used: ${pretty(exceeded, usedOf)}, limited: ${pretty(exceeded, (n) => qty(hard[n]))}`);
}

function chargeStatus(quota: any, requested: Usage): any {
  const hard: Record<string, string> = quota.spec?.hard ?? {};
  const used: Record<string, string> = { ...(quota.status?.used ?? {}) };
  for (const n of Object.keys(hard)) if (used[n] === undefined) used[n] = '0';
  for (const [n, v] of requested) used[n] = (used[n] !== undefined ? qty(used[n]) : newQuantity(0)).add(v).toString();
  quota.status = { ...(quota.status ?? {}), hard: { ...hard }, used };
  return quota;
}

export function resourceQuotaPlugin(client: LoopbackClient): AdmissionPlugin {
  return {
    name: 'ResourceQuota',
    handles: (a) => a.operation === 'CREATE' && a.subresource === '' && !!a.namespace && !ignoredResources.has(a.resource),
    async validate(a) {
      const quotas = (await client.list('', 'resourcequotas', a.namespace))
        .filter((q) => quotaMatches(q, a.group, a.resource, a.object))
        .sort((x, y) => (x.metadata.name < y.metadata.name ? -1 : 1));
      if (!quotas.length) return;
      const delta = usageOf(a.group, a.resource, a.object);
      const charges: Array<{ name: string; requested: Usage }> = [];
      for (const quota of quotas) {
        const hardNames = Object.keys(quota.spec?.hard ?? {});
        if (a.group === '' && a.resource === 'pods') {
          const why = podConstraintErrors(hardNames, a.object);
          if (why) throw newForbidden(a, `failed quota: ${quota.metadata.name}: ${why}`);
        }
        const requested: Usage = new Map([...delta].filter(([n]) => hardNames.includes(n)));
        if (![...requested.values()].some((v) => !v.isZero())) continue;
        const err = exceededError(a, quota, requested);
        if (err) throw err;
        charges.push({ name: quota.metadata.name, requested });
      }
      if (a.dryRun) return;
      for (const { name, requested } of charges) {
        markCharged(client, a.namespace, name);
        await client.update('', 'resourcequotas', a.namespace, name, (cur) => {
          // The fresh quota decides: another create may have taken the room since the check above.
          const err = exceededError(a, cur, requested);
          if (err) throw err;
          return chargeStatus(cur, requested);
        });
        markCharged(client, a.namespace, name);
      }
    },
  };
}

/** Which stored resources a quota name is counted from. */
function sourceOf(name: string): [string, string] {
  if (name.startsWith('count/')) {
    const gr = name.slice('count/'.length), dot = gr.indexOf('.');
    return dot < 0 ? ['', gr] : [gr.slice(dot + 1), gr.slice(0, dot)];
  }
  if (legacyCounted.has(name)) return ['', name];
  if (name.startsWith('services.')) return ['', 'services'];
  if (name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/')) return ['', 'persistentvolumeclaims'];
  return ['', 'pods'];
}

async function observedUsage(client: LoopbackClient, ns: string, quota: any): Promise<Usage> {
  const hardNames = Object.keys(quota.spec?.hard ?? {});
  const sources = new Map<string, [string, string]>();
  for (const n of hardNames) { const s = sourceOf(n); sources.set(s.join('/'), s); }
  const total: Usage = new Map();
  for (const [group, resource] of sources.values()) {
    let objs: any[];
    try { objs = await client.list(group, resource, ns); } catch { continue; } // a resource this server does not serve
    for (const o of objs) {
      if (resource === 'pods' && group === '' && !podCountsForQuota(o)) continue;
      if (!quotaMatches(quota, group, resource, o)) continue;
      for (const [k, v] of usageOf(group, resource, o)) if (hardNames.includes(k) && sourceOf(k).join('/') === `${group}/${resource}`) add(total, k, v);
    }
  }
  return total;
}

/**
 * Recompute a quota's status (hard from spec, used from the objects that exist) and write it if
 * it changed. Within `settleMs` of an admission charge usage is only raised, never lowered.
 * Returns the milliseconds until that settling ends (0 when the quota is fully reconciled).
 */
export async function recalculateQuota(client: LoopbackClient, ns: string, name: string, settleMs = defaultSettleMs): Promise<number> {
  const quota = await client.get('', 'resourcequotas', ns, name);
  if (!quota) return 0;
  const observed = await observedUsage(client, ns, quota);
  // Decide on the cached copy first: an unneeded write would wake every quota watcher again.
  if (!reconciledStatus(quota, observed, settlingFor(client, ns, name, settleMs) > 0)) return settlingFor(client, ns, name, settleMs);
  let settling = 0;
  await client.update('', 'resourcequotas', ns, name, (cur) => {
    settling = settlingFor(client, ns, name, settleMs);
    const status = reconciledStatus(cur, observed, settling > 0);
    if (!status) return null;
    cur.status = status;
    return cur;
  });
  return settling;
}

function sameList(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  if (!a) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && kb.every((k) => a[k] !== undefined && qty(a[k]).equal(qty(b[k])));
}

/** The status a quota should have given what exists, or null when it already has it. */
function reconciledStatus(cur: any, observed: Usage, settling: boolean): any | null {
  const hard: Record<string, string> = cur.spec?.hard ?? {};
  const prev: Record<string, string> = cur.status?.used ?? {};
  const used: Record<string, string> = {};
  for (const n of Object.keys(hard)) {
    let v = observed.get(n) ?? newQuantity(0);
    if (settling && prev[n] !== undefined && qty(prev[n]).cmp(v) > 0) v = qty(prev[n]);
    used[n] = v.toString();
  }
  if (sameList(cur.status?.hard, hard) && sameList(cur.status?.used, used)) return null;
  return { ...(cur.status ?? {}), hard: { ...hard }, used };
}

export interface ResourceQuotaControllerOptions { resyncMs?: number; settleMs?: number }

/**
 * Keeps every ResourceQuota's status current: recomputes all quotas when the resources they count
 * change (coalesced), when a settling window ends, and on a periodic resync.
 */
export class ResourceQuotaController {
  private unsubscribers = new Map<string, () => void>();
  private running: Promise<void> | undefined;
  private dirty = false;
  private stopped = true;
  private timers = new Set<NodeJS.Timeout>();

  constructor(private readonly client: LoopbackClient, private readonly opts: ResourceQuotaControllerOptions = {}) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const r of ['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']) this.watch('', r);
    const resync = setInterval(() => this.trigger(), this.opts.resyncMs ?? 5 * 60_000);
    resync.unref();
    this.timers.add(resync);
    this.trigger();
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribers.values()) u();
    this.unsubscribers.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Ask for a full recomputation; resolves when one that began after this call has finished. */
  trigger(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.dirty = true;
    this.running ??= this.loop().finally(() => { this.running = undefined; });
    return this.running;
  }

  private watch(group: string, resource: string): void {
    const key = `${group}/${resource}`;
    if (this.unsubscribers.has(key)) return;
    try { this.unsubscribers.set(key, this.client.onChange(group, resource, () => void this.trigger())); } catch { /* not served here */ }
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      let quotas: any[] = [];
      try { quotas = await this.client.list('', 'resourcequotas'); } catch { return; }
      let wait = 0;
      for (const q of quotas) {
        if (this.stopped) return;
        for (const n of Object.keys(q.spec?.hard ?? {})) if (n.startsWith('count/')) this.watch(...sourceOf(n));
        try {
          wait = Math.max(wait, await recalculateQuota(this.client, q.metadata.namespace, q.metadata.name, this.opts.settleMs));
        } catch { /* deleted meanwhile, or a transient error: the next change or resync retries */ }
      }
      if (wait > 0 && !this.stopped) {
        const t = setTimeout(() => { this.timers.delete(t); void this.trigger(); }, wait + 10);
        t.unref();
        this.timers.add(t);
      }
    }
  }
}
