/**
 * @module cli/trace
 * `skiff trace KIND/NAME [-n NS] [--kubeconfig K] [--json] [--wait DURATION]`: the request-flow
 * trace of the latest change of an object. Reads the object's `trace.skiff.dev/traceparent`
 * annotation, fetches that trace from the API server's collector (`GET /debug/skiff/traces/<id>`),
 * waits briefly for spans still being exported, and prints the seed's ten steps with measured
 * durations, a sequence diagram and the "Time breakdown" (tracing/steps, tracing/render).
 */
import { parseArgs } from 'node:util';
import { configFromKubeconfig } from '../client/transport.js';
import { newClientset, type Clientset } from '../client/clientset.js';
import { serverPreferredResources, type APIResource } from '../client/discovery.js';
import { StatusError } from '../machinery/status.js';
import { MAX_OBJECTS_PER_TRACE, objectTraceparent } from '../tracing/annotation.js';
import { isSampled, parseTraceparent } from '../tracing/traceparent.js';
import { fromTraceSpan, type TraceSpan } from '../tracing/otlp.js';
import { assembleSteps, stepsFor, type StepReport } from '../tracing/steps.js';
import { renderReport } from '../tracing/render.js';
import type { SpanData } from '../tracing/span.js';
import { parseDuration } from './flags.js';

/** kubectl's short names for the kinds a trace is usually asked of. */
const SHORT: Record<string, string> = { deploy: 'deployments', rs: 'replicasets', po: 'pods', sts: 'statefulsets', ds: 'daemonsets', svc: 'services', cm: 'configmaps', cj: 'cronjobs' };

async function resolveResource(cs: Clientset, kind: string): Promise<APIResource> {
  const k = SHORT[kind.toLowerCase()] ?? kind.toLowerCase();
  const [name, group] = k.includes('.') ? [k.slice(0, k.indexOf('.')), k.slice(k.indexOf('.') + 1)] : [k, undefined];
  const { resources } = await serverPreferredResources(cs);
  const hit = resources.find((r) => (group === undefined || r.group === group) && !r.resource.includes('/')
    && (r.resource === name || r.kind.toLowerCase() === name));
  if (!hit) throw new Error(`the server doesn't have a resource type "${kind}"`);
  return hit;
}

async function fetchTrace(cs: Clientset, traceId: string): Promise<SpanData[]> {
  const r = await cs.transport.request('GET', `/debug/skiff/traces/${traceId}`);
  if (r.status !== 200) {
    let msg = r.body;
    try { msg = JSON.parse(r.body).message ?? msg; } catch { /* not a Status */ }
    throw new StatusError(r.status, '', `reading trace ${traceId}: ${msg}`);
  }
  return (JSON.parse(r.body) as TraceSpan[]).map(fromTraceSpan);
}

/**
 * The trace once it has settled: components export every ~200 ms, so poll until the steps that
 * apply are all there and no new span arrived for a while, or `waitMs` ran out.
 */
export async function settledTrace(cs: Clientset, kind: string, traceId: string, waitMs: number): Promise<{ spans: SpanData[]; report: StepReport }> {
  const deadline = Date.now() + waitMs;
  let spans = await fetchTrace(cs, traceId);
  let report = assembleSteps(kind, spans);
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    if (report.complete && Date.now() - quietSince >= 600) break;
    await new Promise((r) => setTimeout(r, 250));
    const next = await fetchTrace(cs, traceId);
    if (next.length !== spans.length) quietSince = Date.now();
    spans = next;
    report = assembleSteps(kind, spans);
  }
  return { spans, report };
}

export async function traceCommand(argv: string[]): Promise<number | void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, options: {
      namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' }, json: { type: 'boolean' }, wait: { type: 'string' },
    },
  });
  const target = positionals[0];
  if (!target || !target.includes('/')) {
    process.stderr.write('usage: skiff trace KIND/NAME [-n NAMESPACE] [--kubeconfig FILE] [--json] [--wait 3s]\n');
    return 2;
  }
  const [kind, name] = [target.slice(0, target.indexOf('/')), target.slice(target.indexOf('/') + 1)];
  const kc = values.kubeconfig ?? process.env.KUBECONFIG;
  if (!kc) { process.stderr.write('skiff trace: --kubeconfig (or KUBECONFIG) is required\n'); return 2; }
  const waitMs = values.wait ? parseDuration(values.wait, 'wait') : 3000;
  const cs = newClientset({ ...configFromKubeconfig(kc), userAgent: 'skiff-trace' });
  try {
    const res = await resolveResource(cs, kind);
    const ns = res.namespaced ? (values.namespace ?? 'default') : '';
    const obj = await cs.resource(res).get(ns, name);
    const tp = objectTraceparent(obj);
    const sc = parseTraceparent(tp);
    if (!sc) {
      process.stderr.write(`skiff trace: ${res.kind} ${ns ? `${ns}/` : ''}${name} carries no trace context (annotation trace.skiff.dev/traceparent): tracing is off, its latest change was not traced (the API server starts at most --tracing-roots-per-second new traces), or it was not changed since tracing was on\n`);
      return 1;
    }
    if (!isSampled(sc)) {
      process.stderr.write(`skiff trace: the latest change of ${res.kind} ${ns ? `${ns}/` : ''}${name} was not sampled (trace ${sc.traceId}): a trace records at most ${MAX_OBJECTS_PER_TRACE} objects, and this one came later\n`);
      return 1;
    }
    const { spans, report } = await settledTrace(cs, res.kind, sc.traceId, waitMs);
    if (!spans.length) {
      process.stderr.write(`skiff trace: trace ${sc.traceId} is no longer (or not yet) in the API server's span store\n`);
      return 1;
    }
    if (values.json) {
      process.stdout.write(JSON.stringify({ object: { kind: res.kind, namespace: ns || undefined, name }, applies: stepsFor(res.kind), ...report }, null, 2) + '\n');
    } else {
      process.stdout.write(renderReport(`${res.kind} ${ns ? `${ns}/` : ''}${name}`, report, spans));
    }
    return report.complete ? 0 : 3;
  } catch (e) {
    process.stderr.write(`skiff trace: ${(e as Error).message}\n`);
    return 1;
  } finally {
    cs.close();
  }
}
