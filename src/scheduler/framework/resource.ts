/**
 * @module scheduler/framework/resource
 * Resource amounts as plain numbers (milli-CPU, bytes, counts) so fitting and scoring are
 * arithmetic, not Quantity objects: quantities are parsed once per distinct string (a cluster
 * repeats the same few "100m", "128Mi" strings) and a pod's requests once per pod object.
 * A pod's request is what kubelet admits it with (resourcehelper.PodRequests): the sum of its
 * containers, raised to the largest init container (sidecars counted as they run alongside),
 * plus the RuntimeClass overhead.
 */
import { parseQuantity } from '../../machinery/quantity.js';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** Scoring's stand-ins for containers that request nothing (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const milliCache = new Map<string, number>();
const valueCache = new Map<string, number>();

function parsed(cache: Map<string, number>, v: unknown, milli: boolean): number {
  if (typeof v === 'number') return milli ? v * 1000 : v;
  if (typeof v !== 'string') return 0;
  let n = cache.get(v);
  if (n === undefined) {
    try { const q = parseQuantity(v); n = milli ? q.milliValue() : q.value(); } catch { n = 0; }
    if (cache.size > 10_000) cache.clear();
    cache.set(v, n);
  }
  return n;
}
export const milliValue = (v: unknown): number => parsed(milliCache, v, true);
export const value = (v: unknown): number => parsed(valueCache, v, false);

export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** Extended resources, hugepages, attachable volumes: anything else by name. */
  scalar: Map<string, number> | null = null;

  /** From a ResourceList ({cpu: "2", memory: "4Gi", ...}). */
  static fromList(list: Record<string, unknown> | undefined | null): Resource {
    const r = new Resource();
    if (list) for (const name in list) r.set(name, list[name]);
    return r;
  }

  set(name: string, q: unknown): void {
    switch (name) {
      case CPU: this.milliCPU = milliValue(q); break;
      case MEMORY: this.memory = value(q); break;
      case EPHEMERAL_STORAGE: this.ephemeralStorage = value(q); break;
      case PODS: this.allowedPodNumber = value(q); break;
      default: (this.scalar ??= new Map()).set(name, value(q));
    }
  }

  add(o: Resource, sign = 1): void {
    this.milliCPU += sign * o.milliCPU;
    this.memory += sign * o.memory;
    this.ephemeralStorage += sign * o.ephemeralStorage;
    this.allowedPodNumber += sign * o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) (this.scalar ??= new Map()).set(k, (this.scalar.get(k) ?? 0) + sign * v);
  }

  /** Each amount raised to at least o's (for init containers). */
  setMax(o: Resource): void {
    this.milliCPU = Math.max(this.milliCPU, o.milliCPU);
    this.memory = Math.max(this.memory, o.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, o.ephemeralStorage);
    if (o.scalar) for (const [k, v] of o.scalar) (this.scalar ??= new Map()).set(k, Math.max(this.scalar.get(k) ?? 0, v));
  }

  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU; r.memory = this.memory; r.ephemeralStorage = this.ephemeralStorage; r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalar) r.scalar = new Map(this.scalar);
    return r;
  }

  isZero(): boolean {
    if (this.milliCPU || this.memory || this.ephemeralStorage) return false;
    if (this.scalar) for (const v of this.scalar.values()) if (v) return false;
    return true;
  }

  get(name: string): number {
    switch (name) {
      case CPU: return this.milliCPU;
      case MEMORY: return this.memory;
      case EPHEMERAL_STORAGE: return this.ephemeralStorage;
      case PODS: return this.allowedPodNumber;
      default: return this.scalar?.get(name) ?? 0;
    }
  }
}

/** What the pod requests, and the same with the scoring defaults for containers that request no cpu/memory. */
export interface PodRequests { requests: Resource; nonZeroMilliCPU: number; nonZeroMemory: number }

export function computePodRequests(pod: any): PodRequests {
  const spec = pod.spec ?? {};
  const requests = new Resource();
  let nzCPU = 0, nzMem = 0;
  for (const c of spec.containers ?? []) {
    const r = Resource.fromList(c.resources?.requests);
    requests.add(r);
    nzCPU += c.resources?.requests?.[CPU] !== undefined ? r.milliCPU : DEFAULT_MILLI_CPU_REQUEST;
    nzMem += c.resources?.requests?.[MEMORY] !== undefined ? r.memory : DEFAULT_MEMORY_REQUEST;
  }
  // Init containers run one at a time before the app containers, except restartable ones
  // (sidecars, restartPolicy Always), which keep running: they add to everything after them.
  const sidecars = new Resource();
  const initMax = new Resource();
  let nzInitCPU = 0, nzInitMem = 0, nzSideCPU = 0, nzSideMem = 0;
  for (const c of spec.initContainers ?? []) {
    const r = Resource.fromList(c.resources?.requests);
    const cpu = c.resources?.requests?.[CPU] !== undefined ? r.milliCPU : DEFAULT_MILLI_CPU_REQUEST;
    const mem = c.resources?.requests?.[MEMORY] !== undefined ? r.memory : DEFAULT_MEMORY_REQUEST;
    if (c.restartPolicy === 'Always') {
      sidecars.add(r); nzSideCPU += cpu; nzSideMem += mem;
      initMax.setMax(sidecars);
      nzInitCPU = Math.max(nzInitCPU, nzSideCPU); nzInitMem = Math.max(nzInitMem, nzSideMem);
    } else {
      const during = sidecars.clone(); during.add(r);
      initMax.setMax(during);
      nzInitCPU = Math.max(nzInitCPU, nzSideCPU + cpu); nzInitMem = Math.max(nzInitMem, nzSideMem + mem);
    }
  }
  requests.add(sidecars);
  nzCPU += nzSideCPU; nzMem += nzSideMem;
  requests.setMax(initMax);
  nzCPU = Math.max(nzCPU, nzInitCPU); nzMem = Math.max(nzMem, nzInitMem);
  if (spec.overhead) {
    const o = Resource.fromList(spec.overhead);
    requests.add(o);
    nzCPU += o.milliCPU; nzMem += o.memory;
  }
  return { requests, nonZeroMilliCPU: nzCPU, nonZeroMemory: nzMem };
}
