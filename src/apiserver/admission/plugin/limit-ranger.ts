/**
 * @module apiserver/admission/plugin/limit-ranger
 * The LimitRanger admission plugin: the namespace's LimitRange objects give containers default
 * requests and limits (noted in the `kubernetes.io/limit-ranger` annotation) and bound what a
 * container, or a whole pod, may ask for. Defaults are applied before other plugins (such as
 * ResourceQuota) look at the pod; bounds are checked once every mutation is done.
 */
import { parseQuantity, type Quantity } from '../../../machinery/quantity.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { aggregate, isPod, newForbidden } from './errors.js';

export const limitRangerAnnotation = 'kubernetes.io/limit-ranger';

type ResourceList = Record<string, string>;
interface Requirements { requests: ResourceList; limits: ResourceList }

/**
 * The defaults a LimitRangeItem of type Container has after API defaulting: a missing default
 * limit is the max, a missing default request is the default limit, else the min.
 */
function defaultedItem(item: any): { default: ResourceList; defaultRequest: ResourceList } {
  const def: ResourceList = { ...(item.default ?? {}) };
  const req: ResourceList = { ...(item.defaultRequest ?? {}) };
  for (const [k, v] of Object.entries<string>(item.max ?? {})) if (!(k in def)) def[k] = v;
  for (const [k, v] of Object.entries<string>(def)) if (!(k in req)) req[k] = v;
  for (const [k, v] of Object.entries<string>(item.min ?? {})) if (!(k in req)) req[k] = v;
  return { default: def, defaultRequest: req };
}

function containerDefaults(lr: any): Requirements {
  const out: Requirements = { requests: {}, limits: {} };
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    const d = defaultedItem(item);
    Object.assign(out.requests, d.defaultRequest);
    Object.assign(out.limits, d.default);
  }
  return out;
}

/** Fills what the container lacks; returns the annotation fragments for what it set. */
function mergeContainerResources(c: any, defaults: Requirements, prefix: string): string[] {
  c.resources ??= {};
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [k, v] of Object.entries(defaults.limits)) {
    if (c.resources.limits?.[k] !== undefined) continue;
    (c.resources.limits ??= {})[k] = v;
    setLimits.push(k);
  }
  for (const [k, v] of Object.entries(defaults.requests)) {
    if (c.resources.requests?.[k] !== undefined) continue;
    (c.resources.requests ??= {})[k] = v;
    setRequests.push(k);
  }
  const out: string[] = [];
  if (setRequests.length) out.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name}`);
  if (setLimits.length) out.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name}`);
  return out;
}

const q = (v: unknown): Quantity | undefined => (v === undefined || v === null ? undefined : parseQuantity(String(v)));

function minConstraint(type: string, name: string, enforced: string, req: ResourceList, lim: ResourceList): string | undefined {
  const e = parseQuantity(enforced), r = q(req[name]), l = q(lim[name]);
  if (!r) return `minimum ${name} usage per ${type} is ${e}.  No request is specified`;
  if (r.cmp(e) < 0) return `minimum ${name} usage per ${type} is ${e}, but request is ${r}`;
  if (l && l.cmp(e) < 0) return `minimum ${name} usage per ${type} is ${e}, but limit is ${l}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: string, req: ResourceList, lim: ResourceList): string | undefined {
  const e = parseQuantity(enforced), r = q(req[name]), l = q(lim[name]);
  if (!l) return `maximum ${name} usage per ${type} is ${e}.  No limit is specified`;
  if (l.cmp(e) > 0) return `maximum ${name} usage per ${type} is ${e}, but limit is ${l}`;
  if (r && r.cmp(e) > 0) return `maximum ${name} usage per ${type} is ${e}, but request is ${r}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: string, req: ResourceList, lim: ResourceList): string | undefined {
  const e = parseQuantity(enforced), r = q(req[name]), l = q(lim[name]);
  if (!r || r.isZero()) return `${name} max limit to request ratio per ${type} is ${e}, but no request is specified or request is 0`;
  if (!l || l.isZero()) return `${name} max limit to request ratio per ${type} is ${e}, but no limit is specified or limit is 0`;
  const ratio = Number(l.nano) / Number(r.nano);
  if (ratio * 1000 > Number(e.scaledValue(-3))) return `${name} max limit to request ratio per ${type} is ${e}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function checkItem(item: any, type: string, req: ResourceList, lim: ResourceList, errs: string[]): void {
  const push = (m: string | undefined) => { if (m) errs.push(m); };
  for (const [k, v] of Object.entries<string>(item.min ?? {})) push(minConstraint(type, k, v, req, lim));
  for (const [k, v] of Object.entries<string>(item.max ?? {})) push(maxConstraint(type, k, v, req, lim));
  for (const [k, v] of Object.entries<string>(item.maxLimitRequestRatio ?? {})) push(ratioConstraint(type, k, v, req, lim));
}

/** resourcehelper.PodRequests/PodLimits: containers summed, each init container may need more. */
function podTotals(spec: any, field: 'requests' | 'limits'): ResourceList {
  const sum = new Map<string, Quantity>();
  for (const c of spec.containers ?? []) {
    for (const [k, v] of Object.entries<string>(c.resources?.[field] ?? {})) {
      const cur = sum.get(k);
      sum.set(k, cur ? cur.add(parseQuantity(v)) : parseQuantity(v));
    }
  }
  for (const c of spec.initContainers ?? []) {
    for (const [k, v] of Object.entries<string>(c.resources?.[field] ?? {})) {
      const cur = sum.get(k), x = parseQuantity(v);
      if (!cur || x.cmp(cur) > 0) sum.set(k, x);
    }
  }
  for (const [k, v] of Object.entries<string>(spec.overhead ?? {})) {
    const cur = sum.get(k);
    sum.set(k, cur ? cur.add(parseQuantity(v)) : parseQuantity(v));
  }
  return Object.fromEntries([...sum].map(([k, v]) => [k, v.toString()]));
}

/** The limit-range checks for one pod; the messages of everything wrong, in Kubernetes' order. */
export function podLimitErrors(lr: any, pod: any): string[] {
  const errs: string[] = [];
  const spec = pod.spec ?? {};
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
        checkItem(item, 'Container', c.resources?.requests ?? {}, c.resources?.limits ?? {}, errs);
      }
    } else if (item.type === 'Pod') {
      checkItem(item, 'Pod', podTotals(spec, 'requests'), podTotals(spec, 'limits'), errs);
    }
  }
  return errs;
}

export function limitRangerPlugin(client: LoopbackClient): AdmissionPlugin {
  const limitRanges = (ns: string) => client.list('', 'limitranges', ns);
  return {
    name: 'LimitRanger',
    // Pod resources cannot change after creation, so only creates need defaults and bounds.
    handles: (a) => a.operation === 'CREATE' && isPod(a) && !!a.namespace,
    async admit(a) {
      const pod = a.object;
      if (!pod?.spec) return;
      for (const lr of await limitRanges(a.namespace)) {
        const defaults = containerDefaults(lr);
        if (!Object.keys(defaults.requests).length && !Object.keys(defaults.limits).length) continue;
        const notes: string[] = [];
        for (const c of pod.spec.containers ?? []) notes.push(...mergeContainerResources(c, defaults, 'container'));
        for (const c of pod.spec.initContainers ?? []) notes.push(...mergeContainerResources(c, defaults, 'init container'));
        if (notes.length) {
          pod.metadata ??= {};
          pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [limitRangerAnnotation]: `LimitRanger plugin set: ${notes.join('; ')}` };
        }
      }
    },
    async validate(a) {
      if (!a.object?.spec) return;
      for (const lr of await limitRanges(a.namespace)) {
        const errs = podLimitErrors(lr, a.object);
        if (errs.length) throw newForbidden(a, aggregate(errs));
      }
    },
  };
}
