import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ROOTS_PER_SECOND, rootSampler, startRequestTrace } from './tracing.js';
import { tracer } from '../tracing/provider.js';
import type { RequestInfo } from './request-info.js';

const t = tracer('kube-apiserver-test');
const ri = (verb: string, resource: string, o: Partial<RequestInfo> = {}): RequestInfo => ({
  isResourceRequest: true, path: '', verb, apiPrefix: 'api', apiGroup: '', apiVersion: 'v1', namespace: 'ns', resource, subresource: '', name: '', parts: [], ...o,
} as RequestInfo);
const SAMPLED = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const UNSAMPLED = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';

test('sampling: a main-resource write starts a trace; reads, subresource, Lease and Event writes do not', () => {
  assert.ok(startRequestTrace(t, ri('create', 'pods'), {})?.recording);
  assert.ok(startRequestTrace(t, ri('patch', 'deployments', { apiGroup: 'apps' }), {})?.recording);
  for (const r of [ri('get', 'pods'), ri('list', 'pods'), ri('watch', 'pods'), ri('update', 'pods', { subresource: 'status' }),
    ri('update', 'leases', { apiGroup: 'coordination.k8s.io' }), ri('create', 'events'), { ...ri('get', ''), isResourceRequest: false }]) {
    assert.equal(startRequestTrace(t, r, {}), undefined, `${r.verb} ${r.resource}/${r.subresource}`);
  }
});

test('sampling: a sampled caller makes any request a child; an unsampled caller records nothing but still names its trace', () => {
  const read = startRequestTrace(t, ri('get', 'pods'), { traceparent: SAMPLED })!;
  assert.ok(read.recording);
  assert.equal(read.sc.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  const lease = startRequestTrace(t, ri('update', 'leases', { apiGroup: 'coordination.k8s.io' }), { traceparent: SAMPLED })!;
  assert.ok(lease.recording);
  const off = startRequestTrace(t, ri('create', 'pods'), { traceparent: UNSAMPLED })!;
  assert.equal(off.recording, false);
  assert.equal(off.sc.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(off.child('authentication').isRecording(), false);
  assert.equal(startRequestTrace(t, ri('get', 'pods'), { traceparent: UNSAMPLED }), undefined);
  // A malformed header is ignored: the write starts its own trace.
  assert.notEqual(startRequestTrace(t, ri('create', 'pods'), { traceparent: 'junk' })?.sc.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
});

test('sampling: new traces are rate-limited; past the budget a write is not traced nor stamped, and children of sampled callers are not limited', () => {
  rootSampler.rate = 3;
  try {
    const roots = Array.from({ length: 5 }, () => startRequestTrace(t, ri('create', 'pods'), {})!);
    assert.deepEqual(roots.map((r) => r.recording), [true, true, true, false, false]);
    assert.deepEqual(roots.map((r) => r.stamps), [true, true, true, false, false], 'turned-away changes carry no annotation');
    assert.ok(startRequestTrace(t, ri('create', 'pods'), { traceparent: SAMPLED })!.recording, 'a sampled caller is not limited');
    rootSampler.rate = 0;
    assert.equal(startRequestTrace(t, ri('create', 'pods'), {})!.recording, false);
  } finally {
    rootSampler.rate = DEFAULT_ROOTS_PER_SECOND;
  }
});
