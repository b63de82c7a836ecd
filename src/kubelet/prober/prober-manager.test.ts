import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProbeManager } from './prober-manager.js';
import { CriCode, CriError } from '../cri/api.js';

/** Probes run with 40 ms "seconds" so thresholds and periods take a fraction of a second. */
const SECOND = 40;

async function until<T>(cond: () => T, what: string, ms = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A loopback server whose paths answer 200 or 503 as the test flips them, counting requests. */
async function healthServer(t: any) {
  const ok: Record<string, boolean> = {};
  const hits: Record<string, number[]> = {};
  const srv = http.createServer((req, res) => {
    (hits[req.url!] ??= []).push(Date.now());
    res.writeHead(ok[req.url!] ? 200 : 503); res.end(ok[req.url!] ? 'ok' : 'down');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }));
  return { port: (srv.address() as AddressInfo).port, ok, hits, count: (p: string) => hits[p]?.length ?? 0 };
}

function setup(t: any, containers: any[], runtime: any = {}) {
  const events: string[] = [];
  const liveness: string[] = [];
  const readiness: string[] = [];
  const pod = { metadata: { uid: 'u1', name: 'web', namespace: 'ns' }, spec: { restartPolicy: 'Always', containers } };
  const startedAt = new Date().toISOString();
  const status: any = { phase: 'Running', podIP: '127.0.0.1', containerStatuses: containers.map((c, i) => ({ name: c.name, containerID: `containerd://c${i}-a`, state: { running: { startedAt } } })) };
  const pm = new ProbeManager({
    runtime, secondMs: SECOND, getPodStatus: () => status,
    recorder: { event: (_o, type, reason, msg) => events.push(`${type} ${reason} ${msg}`) },
    onLivenessFailure: (u) => liveness.push(u), onReadinessChange: (u) => readiness.push(u),
  });
  t.after(() => pm.stop());
  return { pm, pod, status, events, liveness, readiness, startedAt: Date.parse(startedAt) };
}

test('readiness: success and failure thresholds, Ready follows, events in upstream words', async (t) => {
  const srv = await healthServer(t);
  srv.ok['/ready'] = true;
  const probe = { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, successThreshold: 2, failureThreshold: 2 };
  const s = setup(t, [{ name: 'app', ports: [{ name: 'http', containerPort: srv.port }], readinessProbe: probe }]);
  s.pm.addPod(s.pod);
  const st = structuredClone(s.status);
  s.pm.updatePodStatus(s.pod, st);
  assert.equal(st.containerStatuses[0].ready, false);
  assert.equal(st.containerStatuses[0].started, true);
  await until(() => s.pm.readinessResult('c0-a') === 'Success', 'ready');
  assert.ok(srv.count('/ready') >= 2, 'two successes needed');
  s.pm.updatePodStatus(s.pod, st);
  assert.equal(st.containerStatuses[0].ready, true);
  assert.ok(s.readiness.length >= 2);
  srv.ok['/ready'] = false;
  const before = srv.count('/ready');
  await until(() => s.pm.readinessResult('containerd://c0-a') === 'Failure', 'not ready');
  assert.ok(srv.count('/ready') - before >= 2, 'two failures needed');
  s.pm.updatePodStatus(s.pod, st);
  assert.equal(st.containerStatuses[0].ready, false);
  assert.ok(s.events.includes('Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 503'));
  assert.deepEqual(s.liveness, []);
});

test('liveness: a failure calls the kubelet back and holds; a new container id starts over', async (t) => {
  const srv = await healthServer(t);
  const s = setup(t, [{ name: 'app', livenessProbe: { httpGet: { path: '/live', port: srv.port }, periodSeconds: 1, failureThreshold: 2 } }]);
  s.pm.addPod(s.pod);
  await until(() => s.liveness.length > 0, 'liveness failure');
  assert.deepEqual(s.liveness, ['u1']);
  assert.equal(s.pm.livenessResult('containerd://c0-a'), 'Failure');
  const held = srv.count('/live');
  assert.equal(held, 2);
  await new Promise((r) => setTimeout(r, 3 * SECOND));
  assert.equal(srv.count('/live'), held, 'no probing while the container waits to be killed');
  // The kubelet restarted it: a new container, probed afresh.
  srv.ok['/live'] = true;
  s.status.containerStatuses[0].containerID = 'containerd://c0-b';
  await until(() => srv.count('/live') > held, 'probing the new container');
  assert.equal(s.pm.livenessResult('c0-b'), 'Success');
  assert.equal(s.pm.livenessResult('c0-a'), undefined);
  assert.deepEqual(s.liveness, ['u1']);
});

test('startup gates liveness and readiness; initialDelaySeconds counts from the container start', async (t) => {
  const srv = await healthServer(t);
  srv.ok['/live'] = true;
  srv.ok['/ready'] = true;
  const s = setup(t, [
    { name: 'app', startupProbe: { httpGet: { path: '/start', port: srv.port }, periodSeconds: 1, failureThreshold: 100 },
      livenessProbe: { httpGet: { path: '/live', port: srv.port }, periodSeconds: 1 } },
    { name: 'side', readinessProbe: { tcpSocket: { port: srv.port }, initialDelaySeconds: 6, periodSeconds: 1 } },
  ]);
  s.pm.addPod(s.pod);
  await until(() => srv.count('/start') >= 3, 'startup probing');
  assert.equal(srv.count('/live'), 0, 'liveness waits for startup');
  const st = structuredClone(s.status);
  s.pm.updatePodStatus(s.pod, st);
  assert.equal(st.containerStatuses[0].started, false);
  assert.equal(st.containerStatuses[0].ready, false);
  srv.ok['/start'] = true;
  await until(() => s.pm.startupResult('c0-a') === 'Success', 'started');
  await until(() => srv.count('/live') > 0, 'liveness after startup');
  const startProbes = srv.count('/start');
  await new Promise((r) => setTimeout(r, 3 * SECOND));
  assert.equal(srv.count('/start'), startProbes, 'startup probing stops once started');
  s.pm.updatePodStatus(s.pod, st);
  assert.equal(st.containerStatuses[0].started, true);
  assert.equal(st.containerStatuses[0].ready, true, 'no readiness probe: ready once started');
  await until(() => s.pm.readinessResult('c1-a') === 'Success', 'side ready');
  assert.ok(Date.now() - s.startedAt >= 6 * SECOND);
  assert.deepEqual(s.liveness, []);
});

test('exec probes through the runtime: exit codes, output in the event, timeouts', async (t) => {
  const calls: Array<[string, string[], number]> = [];
  const runtime = { execSync: async (id: string, cmd: string[], timeout: number) => {
    calls.push([id, cmd, timeout]);
    if (cmd[0] === 'hang') throw new CriError(CriCode.DEADLINE_EXCEEDED, 'deadline');
    if (cmd[0] === 'fail') return { stdout: Buffer.from(''), stderr: Buffer.from('nope'), exitCode: 1 };
    return { stdout: Buffer.from('fine'), stderr: Buffer.alloc(0), exitCode: 0 };
  } };
  const s = setup(t, [
    { name: 'a', livenessProbe: { exec: { command: ['fail'] }, periodSeconds: 1, failureThreshold: 1 } },
    { name: 'b', readinessProbe: { exec: { command: ['hang', 'now'] }, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 1 } },
    { name: 'c', readinessProbe: { exec: { command: ['ok'] }, periodSeconds: 1 } },
  ], runtime);
  s.pm.addPod(s.pod);
  await until(() => s.pm.livenessResult('c0-a') === 'Failure' && s.pm.readinessResult('c2-a') === 'Success', 'exec results');
  await until(() => s.events.some((e) => e.includes('timed out')), 'timeout event');
  assert.ok(s.events.includes('Warning Unhealthy Liveness probe failed: nope'));
  assert.ok(s.events.includes('Warning Unhealthy Readiness probe failed: command "hang now" timed out'));
  assert.deepEqual(calls.find((c) => c[0] === 'c1-a'), ['c1-a', ['hang', 'now'], 2]);
  s.pm.removePod(s.pod);
  const n = calls.length;
  await new Promise((r) => setTimeout(r, 3 * SECOND));
  assert.equal(calls.length, n, 'workers stop with the pod');
  assert.equal(s.pm.readinessResult('c2-a'), undefined);
});

test('a finished pod ends its workers; a container not running is not ready', async (t) => {
  const srv = await healthServer(t);
  srv.ok['/ready'] = true;
  const s = setup(t, [{ name: 'app', readinessProbe: { httpGet: { path: '/ready', port: srv.port }, periodSeconds: 1 } }]);
  s.pm.addPod(s.pod);
  await until(() => s.pm.readinessResult('c0-a') === 'Success', 'ready');
  s.status.containerStatuses[0].state = { terminated: { exitCode: 0 } };
  await until(() => s.pm.readinessResult('c0-a') === 'Failure', 'not ready once exited');
  s.status.phase = 'Succeeded';
  await new Promise((r) => setTimeout(r, 2 * SECOND));
  const n = srv.count('/ready');
  await new Promise((r) => setTimeout(r, 3 * SECOND));
  assert.equal(srv.count('/ready'), n);
  const st = structuredClone(s.status);
  s.pm.updatePodStatus(s.pod, st);
  assert.equal(st.containerStatuses[0].ready, false);
  assert.equal(st.containerStatuses[0].started, false);
});
