/**
 * @module tracing/steps
 * The seed's ten steps of "kubectl apply to Running container", assembled from one trace's spans.
 * The steps are contiguous: each starts where the previous one ended, so their durations add up to
 * the measured end-to-end time (from the API server receiving the apply to the last pod's Running
 * status write), and any waiting (watch delivery, work queues) belongs to the step that waits.
 * Steps done per pod (9, 10) follow the critical path: the pod whose Running status came last.
 *
 * Boundaries (all from spans, none estimated):
 *   1 request received     root request start -> authentication start
 *   2 authentication       authentication span
 *   3 authorization        authentication end -> authorization end (impersonation included)
 *   4 admission            authorization end -> storage.write start, less step 5
 *                          (decoding, defaulting, mutating and validating admission)
 *   5 validation           the validation span
 *   6 storage write        storage.write start -> the response (root request end)
 *   7 Deployment ctrl      -> the ReplicaSet write's response
 *   8 ReplicaSet ctrl      -> the critical pod's create response
 *   9 scheduler            -> the critical pod's Binding response
 *  10 kubelet              -> the critical pod's Running status write's end
 */
import type { SpanData } from './span.js';

export interface StepPart { name: string; ms: number }

export interface Step {
  n: number;
  title: string;
  /** Offset from the trace's start (the root request's start), ms. */
  startMs: number;
  durationMs: number;
  /** What the step's time went to, in order (waiting included); sums to durationMs when complete. */
  parts: StepPart[];
  /** Why a step could not be measured (missing spans). */
  missing?: string;
}

export interface PodPath {
  name: string;
  node?: string;
  createdMs?: number;
  boundMs?: number;
  runningMs?: number;
  scheduleMs?: number;
  kubeletMs?: number;
  simulated?: boolean;
}

export interface StepReport {
  kind: string;
  traceId: string;
  spans: number;
  /** Epoch ms of the root request's start. */
  t0: number;
  steps: Step[];
  totalMs: number;
  /** Whether every step that applies to this kind was found. */
  complete: boolean;
  pods: PodPath[];
  criticalPod?: string;
  /** The critical pod's kubelet sync and Running status write (span IDs), for the diagram. */
  criticalSpans?: { sync?: string; running?: string };
  storageDriver?: string;
  /** The root request (verb, resource, user). */
  root?: { verb: string; resource: string; user?: string; name?: string };
}

export const STEP_TITLES: Record<number, string> = {
  1: 'kubectl -> API server: request received',
  2: 'API server authenticates the request',
  3: 'API server authorizes the request (RBAC)',
  4: 'admission controllers run (mutating, then validating)',
  5: 'API server validates the schema',
  6: 'API server writes to storage',
  7: 'Deployment controller creates the ReplicaSet',
  8: 'ReplicaSet controller creates the Pods',
  9: 'scheduler assigns pods to nodes',
  10: 'kubelet starts the containers, reports Running',
};

/** Which steps a kind's change goes through. */
export function stepsFor(kind: string): number[] {
  switch (kind.toLowerCase()) {
    case 'deployment': return [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    case 'replicaset': return [1, 2, 3, 4, 5, 6, 8, 9, 10];
    case 'pod': return [1, 2, 3, 4, 5, 6, 9, 10];
    default: return [1, 2, 3, 4, 5, 6];
  }
}

const attr = (s: SpanData, k: string): string | undefined => { const v = s.attributes[k]; return v === undefined ? undefined : String(v); };
const isRequest = (s: SpanData, verb: string, resource: string, sub = ''): boolean =>
  s.name === 'request' && s.service === 'kube-apiserver' && attr(s, 'verb') === verb && attr(s, 'resource') === resource && (attr(s, 'subresource') ?? '') === sub;
const byStart = (a: SpanData, b: SpanData) => a.startMs - b.startMs;

class Index {
  readonly children = new Map<string, SpanData[]>();
  readonly byId = new Map<string, SpanData>();
  constructor(readonly spans: SpanData[]) {
    for (const s of spans) this.byId.set(s.spanId, s);
    for (const s of spans) {
      if (!s.parentSpanId) continue;
      let c = this.children.get(s.parentSpanId);
      if (!c) this.children.set(s.parentSpanId, (c = []));
      c.push(s);
    }
  }
  child(s: SpanData, name: string): SpanData | undefined { return (this.children.get(s.spanId) ?? []).find((c) => c.name === name); }
  parent(s: SpanData): SpanData | undefined { return s.parentSpanId ? this.byId.get(s.parentSpanId) : undefined; }
  /** The nearest ancestor named `name`. */
  ancestor(s: SpanData, name: string): SpanData | undefined {
    for (let p = this.parent(s); p; p = this.parent(p)) if (p.name === name) return p;
    return undefined;
  }
}

/** The request the change began with: the earliest write request with no parent in the trace. */
function findRoot(ix: Index): SpanData | undefined {
  return ix.spans.filter((s) => s.name === 'request' && s.service === 'kube-apiserver' && (!s.parentSpanId || !ix.byId.has(s.parentSpanId))).sort(byStart)[0];
}

function podPaths(ix: Index): Map<string, { create?: SpanData; bind?: SpanData; schedule?: SpanData; sync?: SpanData; running?: SpanData; syncs: SpanData[] }> {
  const pods = new Map<string, { create?: SpanData; bind?: SpanData; schedule?: SpanData; sync?: SpanData; running?: SpanData; syncs: SpanData[] }>();
  const get = (name: string) => { let p = pods.get(name); if (!p) pods.set(name, (p = { syncs: [] })); return p; };
  for (const s of [...ix.spans].sort(byStart)) {
    const name = attr(s, 'name');
    if (!name) continue;
    if (isRequest(s, 'create', 'pods')) get(name).create ??= s;
    else if (isRequest(s, 'create', 'pods', 'binding')) get(name).bind ??= s;
    else if (s.name === 'schedule' && s.service === 'kube-scheduler' && attr(s, 'node')) get(name).schedule = s;
    else if (s.name === 'sync' && (s.service === 'kubelet' || s.service === 'skiff-simulated-node')) get(name).syncs.push(s);
    else if (s.name === 'status.write' && attr(s, 'phase') === 'Running') { const p = get(name); if (!p.running) { p.running = s; p.sync = ix.ancestor(s, 'sync'); } }
  }
  // A kubelet writes status apart from its syncs: the sync that started the containers stands for the pod.
  for (const p of pods.values()) if (!p.sync && p.running) p.sync = criticalSync(ix, p.syncs, p.running);
  return pods;
}

function criticalSync(ix: Index, syncs: SpanData[], running: SpanData): SpanData | undefined {
  const before = syncs.filter((s) => s.startMs <= running.startMs);
  return before.find((s) => (ix.children.get(s.spanId) ?? []).some((c) => c.name === 'start')) ?? before[before.length - 1];
}

/** Assemble the steps for a change of an object of `kind` from its trace's spans. */
export function assembleSteps(kind: string, spans: SpanData[]): StepReport {
  const ix = new Index(spans);
  const root = findRoot(ix);
  const want = stepsFor(kind);
  const report: StepReport = { kind, traceId: spans[0]?.traceId ?? '', spans: spans.length, t0: root?.startMs ?? 0, steps: [], totalMs: 0, complete: false, pods: [] };
  if (!root) return report;
  report.root = { verb: attr(root, 'verb') ?? '', resource: attr(root, 'resource') ?? '', user: attr(root, 'user'), name: attr(root, 'name') };
  const t0 = root.startMs;
  const steps: Step[] = [];
  const add = (n: number, start: number, end: number, parts: StepPart[] = [], missing?: string) => {
    steps.push({ n, title: STEP_TITLES[n], startMs: start - t0, durationMs: Math.max(0, end - start), parts, ...(missing ? { missing } : {}) });
  };

  // Steps 1-6: inside the root request.
  const authn = ix.child(root, 'authentication');
  const authz = ix.child(root, 'authorization');
  const validation = ix.child(root, 'validation');
  const write = ix.child(root, 'storage.write');
  report.storageDriver = write ? attr(write, 'driver') : undefined;
  const a1 = authn?.startMs ?? root.startMs;
  add(1, root.startMs, a1, [{ name: 'TLS stream, headers, request-info', ms: a1 - root.startMs }]);
  const a2 = authn?.endMs ?? a1;
  add(2, a1, a2, [], authn ? undefined : 'no authentication span');
  const a3 = authz?.endMs ?? a2;
  add(3, a2, a3, authz ? [{ name: 'impersonation check', ms: authz.startMs - a2 }, { name: 'authorizers', ms: authz.endMs - authz.startMs }] : [], authz ? undefined : 'no authorization span');
  const w0 = write?.startMs ?? root.endMs;
  const v = validation ? validation.endMs - validation.startMs : 0;
  const admissionSpans = (ix.children.get(root.spanId) ?? []).filter((c) => c.name.startsWith('admission/'));
  const mut = admissionSpans.filter((c) => attr(c, 'phase') === 'mutating').reduce((m, c) => m + c.endMs - c.startMs, 0);
  const val = admissionSpans.filter((c) => attr(c, 'phase') === 'validating').reduce((m, c) => m + c.endMs - c.startMs, 0);
  const s4 = Math.max(0, w0 - a3 - v);
  steps.push({ n: 4, title: STEP_TITLES[4], startMs: a3 - t0, durationMs: s4,
    parts: [{ name: `mutating plugins (${admissionSpans.filter((c) => attr(c, 'phase') === 'mutating').length})`, ms: mut },
      { name: `validating plugins (${admissionSpans.filter((c) => attr(c, 'phase') === 'validating').length})`, ms: val },
      { name: 'decode, defaulting, managedFields', ms: Math.max(0, s4 - mut - val) }] });
  steps.push({ n: 5, title: STEP_TITLES[5], startMs: (validation?.startMs ?? a3) - t0, durationMs: v, parts: [], ...(validation ? {} : { missing: 'no validation span' }) });
  add(6, w0, root.endMs, write ? [{ name: `${attr(write, 'driver') ?? 'storage'} write`, ms: write.endMs - write.startMs }, { name: 'response', ms: root.endMs - write.endMs }] : [], write ? undefined : 'no storage.write span');
  let at = root.endMs;

  // Step 7: the Deployment controller's ReplicaSet write (create, or a resize of an existing one).
  if (want.includes(7)) {
    const rsWrite = spans.filter((s) => s.name === 'request' && attr(s, 'resource') === 'replicasets' && !attr(s, 'subresource')
      && ['create', 'update', 'patch'].includes(attr(s, 'verb') ?? '') && s.startMs >= root.startMs).sort(byStart)[0];
    if (rsWrite) {
      const rec = ix.ancestor(rsWrite, 'reconcile');
      add(7, at, rsWrite.endMs, controllerParts(at, rec, rsWrite));
      at = rsWrite.endMs;
    } else add(7, at, at, [], 'no ReplicaSet write in the trace');
  }

  // Steps 8-10, on the critical path: the pod whose Running status write ended last.
  const pods = podPaths(ix);
  const running = [...pods.entries()].filter(([, p]) => p.running);
  const crit = running.sort((a, b) => a[1].running!.endMs - b[1].running!.endMs).pop();
  for (const [name, p] of pods) {
    if (!p.create && !p.bind && !p.running) continue;
    report.pods.push({
      name, node: p.schedule ? attr(p.schedule, 'node') : undefined, createdMs: p.create ? p.create.endMs - t0 : undefined,
      boundMs: p.bind ? p.bind.endMs - t0 : undefined, runningMs: p.running ? p.running.endMs - t0 : undefined,
      scheduleMs: p.create && p.bind ? p.bind.endMs - p.create.endMs : undefined,
      kubeletMs: p.bind && p.running ? p.running.endMs - p.bind.endMs : undefined,
      simulated: p.running ? p.running.service === 'skiff-simulated-node' : undefined,
    });
  }
  const cp = crit?.[1];
  report.criticalPod = crit?.[0];
  report.criticalSpans = { sync: cp?.sync?.spanId, running: cp?.running?.spanId };
  if (want.includes(8)) {
    if (cp?.create) {
      const rec = ix.ancestor(cp.create, 'reconcile');
      add(8, at, cp.create.endMs, controllerParts(at, rec, cp.create));
      at = cp.create.endMs;
    } else add(8, at, at, [], 'no pod create in the trace');
  } else if (kind.toLowerCase() === 'pod' && cp?.create) {
    at = cp.create.endMs; // the pod's own create is steps 1-6
  }
  if (want.includes(9)) {
    if (cp?.bind) {
      const parts: StepPart[] = [];
      const sch = cp.schedule;
      const q = sch ? ix.child(sch, 'queue.wait') : undefined;
      if (sch && q) {
        parts.push({ name: 'watch delivery to the scheduler', ms: q.startMs - at });
        parts.push({ name: 'scheduling queue wait', ms: q.endMs - q.startMs });
        const f = ix.child(sch, 'filter'), sc = ix.child(sch, 'score'), b = ix.child(sch, 'bind');
        if (f) parts.push({ name: `filter (${attr(sch, 'nodes.evaluated') ?? '?'} nodes)`, ms: f.endMs - f.startMs });
        if (sc) parts.push({ name: 'score', ms: sc.endMs - sc.startMs });
        if (b) parts.push({ name: 'bind (Binding write)', ms: cp.bind.endMs - b.startMs });
        const known = parts.reduce((m, x) => m + x.ms, 0);
        parts.push({ name: 'other (cycle bookkeeping)', ms: cp.bind.endMs - at - known });
      }
      add(9, at, cp.bind.endMs, parts);
      at = cp.bind.endMs;
    } else add(9, at, at, [], 'no Binding in the trace');
  }
  if (want.includes(10)) {
    if (cp?.running) {
      const parts: StepPart[] = [];
      const sync = cp.sync ?? cp.syncs[0];
      if (sync) {
        parts.push({ name: 'watch delivery to the kubelet', ms: sync.startMs - at });
        const kids = ix.children.get(sync.spanId) ?? [];
        for (const name of ['pull', 'sandbox', 'create', 'start']) {
          const ks = kids.filter((k) => k.name === name);
          if (ks.length) parts.push({ name: name === 'pull' ? 'image pull' : name === 'sandbox' ? 'sandbox (RunPodSandbox + CNI)' : `container ${name}`, ms: ks.reduce((m, k) => m + k.endMs - k.startMs, 0) });
        }
        parts.push({ name: 'status write (Running)', ms: cp.running.endMs - cp.running.startMs });
        const known = parts.reduce((m, x) => m + x.ms, 0);
        parts.push({ name: 'other (sync bookkeeping, status manager)', ms: cp.running.endMs - at - known });
      }
      add(10, at, cp.running.endMs, parts);
      at = cp.running.endMs;
    } else add(10, at, at, [], 'no Running status write in the trace');
  }
  report.steps = steps;
  report.totalMs = at - t0;
  report.complete = steps.every((s) => !s.missing);
  return report;
}

/** A controller step's parts: waiting for the watch event and the queue, the reconcile up to its write, the write. */
function controllerParts(from: number, rec: SpanData | undefined, req: SpanData): StepPart[] {
  if (!rec) return [{ name: 'API write', ms: req.endMs - req.startMs }];
  return [
    { name: 'watch delivery + work queue', ms: rec.startMs - from },
    { name: 'reconcile (informer reads, expectations)', ms: req.startMs - rec.startMs },
    { name: 'API write', ms: req.endMs - req.startMs },
  ];
}

/** The seed's "Time breakdown" groups. */
export function timeBreakdown(r: StepReport): { label: string; steps: number[]; ms: number }[] {
  const sum = (ns: number[]) => r.steps.filter((s) => ns.includes(s.n)).reduce((m, s) => m + s.durationMs, 0);
  const groups = [
    { label: 'Step 1-6 (kubectl -> storage)', steps: [1, 2, 3, 4, 5, 6] },
    { label: 'Step 7-8 (controllers create ReplicaSet/Pods)', steps: [7, 8] },
    { label: 'Step 9 (scheduler assigns nodes)', steps: [9] },
    { label: 'Step 10 (kubelet pulls image and starts container)', steps: [10] },
  ];
  const present = new Set(r.steps.map((s) => s.n));
  return groups.filter((g) => g.steps.some((n) => present.has(n))).map((g) => ({ ...g, steps: g.steps.filter((n) => present.has(n)), ms: sum(g.steps) }));
}
