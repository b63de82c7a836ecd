/**
 * @module apiserver/admission/builtin/resource-quota
 * ResourceQuota: each create in a namespace with quotas is charged against them; one that would
 * exceed a hard limit is refused with Kubernetes' message. The charge is a compare-and-swap on
 * the quota's status, so concurrent creates cannot overrun it. ResourceQuotaController keeps
 * status.used equal to what exists (deletes give usage back).
 */
import { StatusError, forbidden } from '../../../machinery/status.js';
import { parseQuantity, type Quantity } from '../../../machinery/quantity.js';
import type { AdmissionAttributes } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { allContainers } from './pods.js';
import { Resync } from '../../../machinery/resync.js';

const q = (s: unknown) => parseQuantity(String(s));
const COMPUTE = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'cpu', 'memory'];
/** Core resources with a short quota name. */
const SHORT = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);

function sumResource(pod: any, kind: 'requests' | 'limits', r: string): Quantity {
  let regular = q(0);
  for (const c of pod.spec?.containers ?? []) if (c.resources?.[kind]?.[r] !== undefined) regular = regular.add(q(c.resources[kind][r]));
  let init = q(0);
  for (const c of pod.spec?.initContainers ?? []) if (c.resources?.[kind]?.[r] !== undefined && q(c.resources[kind][r]).cmp(init) > 0) init = q(c.resources[kind][r]);
  return regular.cmp(init) >= 0 ? regular : init;
}

/** What one object uses, by quota resource name. */
export function usageOf(group: string, resource: string, obj: any): Map<string, Quantity> {
  const u = new Map<string, Quantity>();
  const one = q(1);
  u.set(group ? `count/${resource}.${group}` : `count/${resource}`, one);
  if (!group && SHORT.has(resource)) u.set(resource, one);
  if (!group && resource === 'pods') {
    if (obj?.status?.phase === 'Succeeded' || obj?.status?.phase === 'Failed') return new Map();
    for (const r of ['cpu', 'memory']) {
      const req = sumResource(obj, 'requests', r), lim = sumResource(obj, 'limits', r);
      u.set(`requests.${r}`, req); u.set(r, req); u.set(`limits.${r}`, lim);
    }
  }
  if (!group && resource === 'services') {
    const t = obj?.spec?.type;
    if (t === 'NodePort' || t === 'LoadBalancer') u.set('services.nodeports', q((obj.spec.ports ?? []).length));
    if (t === 'LoadBalancer') u.set('services.loadbalancers', one);
  }
  if (!group && resource === 'persistentvolumeclaims' && obj?.spec?.resources?.requests?.storage) u.set('requests.storage', q(obj.spec.resources.requests.storage));
  return u;
}

function mustSpecify(quota: any, pod: any): string[] {
  const parts: string[] = [];
  for (const name of Object.keys(quota.spec?.hard ?? {}).filter((n) => COMPUTE.includes(n)).sort()) {
    const [kind, r] = name.includes('.') ? name.split('.') as ['requests' | 'limits', string] : ['requests', name] as const;
    const missing = allContainers(pod.spec).filter((c: any) => c.resources?.[kind]?.[r] === undefined).map((c: any) => c.name);
    if (missing.length) parts.push(`${name} for: ${missing.join(',')}`);
  }
  return parts;
}

function exceeded(quota: any, delta: Map<string, Quantity>): string | null {
  const hard = quota.spec?.hard ?? {};
  const used = quota.status?.used ?? {};
  const over = [...delta.keys()].filter((n) => hard[n] !== undefined && q(used[n] ?? 0).add(delta.get(n)!).cmp(q(hard[n])) > 0).sort();
  if (!over.length) return null;
  const fmt = (f: (n: string) => string) => over.map((n) => `${n}=${f(n)}`).join(',');
  return `exceeded quota: ${quota.metadata.name}, requested: ${fmt((n) => delta.get(n)!.toString())}, used: ${fmt((n) => q(used[n] ?? 0).toString())}, limited: ${fmt((n) => String(hard[n]))}`;
}

export function resourceQuotaPlugin(client: LoopbackClient): AdmissionPlugin {
  return {
    name: 'ResourceQuota',
    handles: (a) => a.operation === 'CREATE' && !!a.namespace && a.subresource === '',
    async validate(a: AdmissionAttributes) {
      const quotas = await client.list('', 'resourcequotas', a.namespace);
      if (!quotas.length) return;
      const delta = usageOf(a.group, a.resource, a.object);
      const name = a.object?.metadata?.name || a.object?.metadata?.generateName || a.name;
      const refuse = (msg: string) => forbidden(`${a.resource}${a.group ? '.' + a.group : ''} "${name}" is forbidden: ${msg}`, { name, kind: a.resource, group: a.group || undefined });
      for (const quota of quotas) {
        const tracked = [...delta.keys()].filter((n) => quota.spec?.hard?.[n] !== undefined);
        if (!tracked.length && !(a.resource === 'pods' && !a.group)) continue;
        if (a.resource === 'pods' && !a.group) {
          const missing = mustSpecify(quota, a.object);
          if (missing.length) throw refuse(`failed quota: ${quota.metadata.name}: must specify ${missing.join('; ')}`);
        }
        if (!tracked.length) continue;
        const why = exceeded(quota, delta);
        if (why) throw refuse(why);
        if (a.dryRun) continue;
        // Charge the quota: the mutate runs against the freshest status on every CAS retry.
        await client.update('', 'resourcequotas', a.namespace, quota.metadata.name, (cur) => {
          const w = exceeded(cur, delta);
          if (w) throw refuse(w);
          cur.status = { hard: cur.spec?.hard ?? {}, used: { ...(cur.status?.used ?? {}) } };
          for (const n of tracked) cur.status.used[n] = q(cur.status.used[n] ?? 0).add(delta.get(n)!).toString();
          return cur;
        }, 'status');
      }
    },
  };
}

const RESOURCES: [string, string][] = [['', 'pods'], ['', 'services'], ['', 'configmaps'], ['', 'secrets'], ['', 'persistentvolumeclaims'], ['', 'replicationcontrollers']];

/** Recompute status.used of the quotas (of one namespace, or all) from the objects that exist. */
export async function recalculateQuotas(client: LoopbackClient, onlyNamespace?: string): Promise<void> {
  for (const quota of await client.list('', 'resourcequotas', onlyNamespace ?? '')) {
    const ns = quota.metadata.namespace;
    const hard = quota.spec?.hard ?? {};
    const used: Record<string, Quantity> = {};
    for (const n of Object.keys(hard)) used[n] = q(0);
    for (const [g, r] of RESOURCES) {
      for (const obj of await client.list(g, r, ns)) {
        for (const [n, v] of usageOf(g, r, obj)) if (used[n] !== undefined) used[n] = used[n].add(v);
      }
    }
    const next = Object.fromEntries(Object.entries(used).map(([n, v]) => [n, v.toString()]));
    if (JSON.stringify(quota.status?.used ?? {}) === JSON.stringify(next) && JSON.stringify(quota.status?.hard ?? {}) === JSON.stringify(hard)) continue;
    try {
      await client.update('', 'resourcequotas', ns, quota.metadata.name, (cur) => ({ ...cur, status: { hard: cur.spec?.hard ?? {}, used: next } }), 'status');
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }
}

/**
 * Kubernetes' quota controller, reduced to what admission needs: usage is given back when objects
 * go away (or pods finish), and a new or changed quota gets its usage computed. Creates are not
 * recounted here: admission already charged them, and recounting from the cache while creates are
 * in flight would forget charges and let a quota be overrun.
 */
export class ResourceQuotaController {
  private unsubs: (() => void)[] = [];
  private seen = new Map<string, Set<string>>();
  private readonly loop = new Resync('resourcequota-controller', () => this.sync());
  constructor(private readonly client: LoopbackClient) {}

  async start(): Promise<void> {
    await recalculateQuotas(this.client);
    for (const [g, r] of RESOURCES) await this.released(g, r);
    for (const [g, r] of [...RESOURCES, ['', 'resourcequotas'] as [string, string]]) this.unsubs.push(this.client.onChange(g, r, () => this.loop.kick()));
  }

  stop(): void { for (const u of this.unsubs) u(); this.unsubs = []; }

  /** Namespaces where an object of g/r disappeared or a pod finished since the last look. */
  private async released(g: string, r: string): Promise<Set<string>> {
    const now = new Set<string>();
    for (const o of await this.client.list(g, r)) {
      if (r === 'pods' && (o.status?.phase === 'Succeeded' || o.status?.phase === 'Failed')) continue;
      now.add(`${o.metadata.namespace}/${o.metadata.name}`);
    }
    const before = this.seen.get(r) ?? new Set<string>();
    this.seen.set(r, now);
    const out = new Set<string>();
    for (const k of before) if (!now.has(k)) out.add(k.slice(0, k.indexOf('/')));
    return out;
  }

  private async sync(): Promise<void> {
    const namespaces = new Set<string>();
    for (const [g, r] of RESOURCES) for (const ns of await this.released(g, r)) namespaces.add(ns);
    for (const quota of await this.client.list('', 'resourcequotas')) {
      if (JSON.stringify(quota.status?.hard ?? null) !== JSON.stringify(quota.spec?.hard ?? {})) namespaces.add(quota.metadata.namespace);
    }
    for (const ns of namespaces) await recalculateQuotas(this.client, ns);
  }

}
