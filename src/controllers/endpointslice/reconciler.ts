/**
 * @module controllers/endpointslice/reconciler
 * The EndpointSlice reconciler: given a Service, the endpoints it should have (grouped by the set
 * of ports they serve) and the slices it has, decide which slices to create, update and delete.
 * It follows Kubernetes' packing strategy, which favours few writes over perfectly full slices:
 * endpoints that changed are updated in the slice already holding them, gone ones are removed
 * from theirs, and new ones go first into slices being written anyway, then into one existing
 * slice that can hold them all, and only then into new slices of at most `maxEndpointsPerSlice`.
 * A Service with no endpoints at all keeps one empty "placeholder" slice.
 */
import { isDeepStrictEqual } from 'node:util';
import { HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, rfc3339Nano } from '../endpoint/endpointutil.js';
import { endpointKey, portsKey, type SlicePort } from './endpoints.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

/** The endpoints wanted for one set of ports. */
export interface DesiredGroup { ports: SlicePort[]; endpoints: Map<string, any> }

export interface ReconcileInput {
  service: any;
  addressType: 'IPv4' | 'IPv6';
  /** portsKey -> desired endpoints for that port set. */
  desired: Map<string, DesiredGroup>;
  existing: any[];
  maxEndpointsPerSlice?: number;
  /** The last-change-trigger-time to stamp on written slices (0: none). */
  triggerTime?: number;
}

export interface ReconcilePlan { create: any[]; update: any[]; delete: any[] }

/** The labels a managed slice carries: the Service's own, plus service-name, managed-by and headless. */
export function sliceLabels(svc: any): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {}) as [string, string][]) {
    if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL && k !== HEADLESS_LABEL) labels[k] = v;
  }
  labels[SERVICE_NAME_LABEL] = svc.metadata.name;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return labels;
}

export function ownerReference(svc: any): any {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true };
}

const ownedBy = (slice: any, svc: any) => (slice.metadata.ownerReferences ?? []).some((r: any) => r.kind === 'Service' && r.uid === svc.metadata.uid && r.controller);

function newSlice(svc: any, addressType: string, ports: SlicePort[] | undefined, endpoints: any[]): any {
  const s: any = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace, labels: sliceLabels(svc), ownerReferences: [ownerReference(svc)] },
    addressType, endpoints,
  };
  if (ports) s.ports = ports;
  return s;
}

/** Stamp or clear the trigger-time annotation on a slice about to be written. */
function stamp(slice: any, triggerTime: number): void {
  const ann = { ...(slice.metadata.annotations ?? {}) };
  if (triggerTime) ann[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTime); else delete ann[LAST_CHANGE_TRIGGER_TIME];
  if (Object.keys(ann).length) slice.metadata.annotations = ann; else delete slice.metadata.annotations;
}

const isPlaceholder = (s: any) => !(s.endpoints?.length) && !(s.ports?.length);

export function reconcile(input: ReconcileInput): ReconcilePlan {
  const { service: svc, addressType, desired } = input;
  const max = input.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const plan: ReconcilePlan = { create: [], update: [], delete: [] };
  const labels = sliceLabels(svc);

  // Slices of another address family or another (older) Service of the same name go.
  const byPorts = new Map<string, any[]>();
  for (const s of input.existing) {
    if (s.addressType !== addressType || !ownedBy(s, svc)) { plan.delete.push(s); continue; }
    const k = portsKey(s.ports);
    (byPorts.get(k) ?? byPorts.set(k, []).get(k)!).push(s);
  }

  for (const k of new Set([...byPorts.keys(), ...desired.keys()])) {
    const group = desired.get(k);
    const wanted = new Map(group?.endpoints ?? []);
    const slices = byPorts.get(k) ?? [];
    const touched: any[] = [];
    const untouched: any[] = [];
    for (const s of slices) {
      let changed = !isDeepStrictEqual(s.metadata.labels ?? {}, labels);
      const kept: any[] = [];
      for (const ep of s.endpoints ?? []) {
        const ek = endpointKey(ep);
        const want = wanted.get(ek);
        if (!want) { changed = true; continue; }
        wanted.delete(ek);
        if (!isDeepStrictEqual(ep, want)) changed = true;
        kept.push(want);
      }
      if (!changed) { untouched.push(s); continue; }
      if (!kept.length) { plan.delete.push(s); continue; }
      const next = structuredClone(s);
      next.endpoints = kept;
      next.metadata.labels = { ...labels };
      touched.push(next);
    }

    let remaining = [...wanted.values()];
    // 1. Top up slices that are being written anyway, fullest first.
    touched.sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const s of touched) {
      if (!remaining.length) break;
      const room = max - s.endpoints.length;
      if (room > 0) { s.endpoints.push(...remaining.slice(0, room)); remaining = remaining.slice(room); }
    }
    // 2. One untouched slice that can take all the rest (the one it fills most).
    if (remaining.length) {
      const fit = untouched.filter((s) => (s.endpoints?.length ?? 0) + remaining.length <= max && !isPlaceholder(s))
        .sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0))[0];
      if (fit) {
        const next = structuredClone(fit);
        next.endpoints = [...(fit.endpoints ?? []), ...remaining];
        next.metadata.labels = { ...labels };
        touched.push(next);
        untouched.splice(untouched.indexOf(fit), 1);
        remaining = [];
      }
    }
    // 3. New slices for the rest.
    for (let i = 0; i < remaining.length; i += max) plan.create.push(newSlice(svc, addressType, group?.ports ?? [], remaining.slice(i, i + max)));
    plan.update.push(...touched);
  }

  settlePlaceholder(plan, input.existing.filter((s) => s.addressType === addressType && ownedBy(s, svc)), () => newSlice(svc, addressType, undefined, []), labels);
  for (const s of [...plan.create, ...plan.update]) stamp(s, input.triggerTime ?? 0);
  return plan;
}

/**
 * Exactly one empty placeholder slice when the Service would otherwise have none; none otherwise,
 * and a placeholder becoming the first real slice is updated in place instead of replaced.
 */
function settlePlaceholder(plan: ReconcilePlan, owned: any[], placeholder: () => any, labels: Record<string, string>): void {
  const updated = new Map(plan.update.map((u) => [u.metadata.uid, u]));
  const survivors = owned.filter((s) => !plan.delete.includes(s)).map((s) => updated.get(s.metadata.uid) ?? s);
  const idle = survivors.filter(isPlaceholder);
  const real = survivors.length - idle.length + plan.create.length;
  if (real === 0) {
    if (idle.length) { plan.delete.push(...idle.slice(1)); return; }
    const revived = plan.delete.find((s) => owned.includes(s) && isPlaceholder(s));
    if (revived) plan.delete.splice(plan.delete.indexOf(revived), 1);
    else plan.create.push(placeholder());
    return;
  }
  if (plan.create.length && idle.length) {
    const first = plan.create.shift()!;
    const next = structuredClone(idle.shift());
    next.endpoints = first.endpoints;
    if (first.ports) next.ports = first.ports; else delete next.ports;
    next.metadata.labels = { ...labels };
    const i = plan.update.findIndex((u) => u.metadata.uid === next.metadata.uid);
    if (i >= 0) plan.update[i] = next; else plan.update.push(next);
  }
  for (const p of idle) {
    const i = plan.update.findIndex((u) => u.metadata.uid === p.metadata.uid);
    if (i >= 0) plan.update.splice(i, 1);
    plan.delete.push(owned.find((s) => s.metadata.uid === p.metadata.uid));
  }
}
