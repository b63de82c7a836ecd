import { it } from 'node:test';
import assert from 'node:assert/strict';
import '../../../api/index.js';
import type { Schema } from '../../../api/schema/types.js';
import { compareFieldSets } from './compare.js';
import { fieldSetOf, pathParts } from './fieldset.js';
import { getAt } from './paths.js';
import { updateManagedFields } from './index.js';

const pod: Schema = { $ref: 'io.k8s.api.core.v1.Pod' };
const t0 = '2026-01-01T00:00:00Z', t1 = '2026-01-01T00:00:05Z';

/** The definition compareFieldSets replaces: two field-set walks and a JSON comparison per path. */
function reference(oldObj: any, newObj: any, schema: Schema, skipRoots: string[]): { set: Set<string>; changed: Set<string> } {
  const set = fieldSetOf(newObj, schema, { skipRoots });
  const oldSet = oldObj ? fieldSetOf(oldObj, schema, { skipRoots }) : new Set<string>();
  const changed = new Set<string>();
  for (const p of set) {
    if (!oldSet.has(p)) { changed.add(p); continue; }
    const parts = pathParts(p);
    if (JSON.stringify(getAt(newObj, parts)) !== JSON.stringify(getAt(oldObj, parts))) changed.add(p);
  }
  return { set, changed };
}

const boundPod = (): any => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web', 'pod-template-hash': 'abc' }, finalizers: ['a', 'b'],
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }] },
  spec: {
    nodeName: 'sim-1', restartPolicy: 'Always', tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { requests: { cpu: '10m' } },
      volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets', readOnly: true }] }],
    volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }],
    securityContext: {},
  },
  status: { phase: 'Pending', qosClass: 'Burstable', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t0 }] },
});

const running = (p: any, ready: boolean, at: string) => ({
  ...structuredClone(p),
  status: {
    ...p.status, phase: 'Running', hostIP: '10.0.0.1', hostIPs: [{ ip: '10.0.0.1' }], podIP: '10.244.1.2', podIPs: [{ ip: '10.244.1.2' }], startTime: t0,
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: ready || !type.includes('Ready') || type === 'PodReadyToStartContainers' ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: type === 'PodScheduled' ? t0 : at })),
    containerStatuses: [{ name: 'app', image: 'nginx', imageID: 'x', ready, started: true, restartCount: 0, state: { running: { startedAt: t0 } } }],
  },
});

const cases: [string, any, any, string[]][] = (() => {
  const p = boundPod();
  const relabelled = structuredClone(p); relabelled.metadata.labels = { app: 'web' }; relabelled.metadata.finalizers = ['b', 'c'];
  const reordered = structuredClone(p); reordered.spec.containers.push({ name: 'side', image: 'busybox' }); reordered.spec.containers.reverse();
  const emptied = structuredClone(p); emptied.spec.tolerations = []; emptied.spec.securityContext = { runAsUser: 1 }; emptied.metadata.labels = {};
  const retyped = structuredClone(p); (retyped.spec as any).securityContext = 'x'; (retyped.spec.containers[0] as any).ports = [{ containerPort: 81, protocol: 'TCP' }];
  return [
    ['first status write (Pending -> Running)', p, running(p, true, t1), []],
    ['a Ready flip', running(p, false, t0), running(p, true, t1), []],
    ['an unchanged status', running(p, true, t1), running(p, true, t1), []],
    ['labels and finalizers changed', p, relabelled, ['status']],
    ['list items added and reordered', p, reordered, ['status']],
    ['maps and lists emptied', p, emptied, ['status']],
    ['a value changing type', p, retyped, ['status']],
    ['a create (no old object)', null, p, ['status']],
    ['an object from an empty one', { apiVersion: 'v1', kind: 'Pod', metadata: {} }, p, []],
  ];
})();

it('finds the same field set and changed paths as walking both objects and comparing each path', () => {
  for (const [name, a, b, skip] of cases) {
    const got = compareFieldSets(a, b, pod, { skipRoots: skip });
    const want = reference(a, b, pod, skip);
    assert.deepEqual([...got.set].sort(), [...want.set].sort(), `${name}: set`);
    assert.deepEqual([...got.changed].sort(), [...want.changed].sort(), `${name}: changed`);
  }
});

it("a list item's own path changes when anything inside it does, not when only its position does", () => {
  const p = running(boundPod(), true, t1);
  const q = structuredClone(p);
  q.status.conditions.find((c: any) => c.type === 'Ready').status = 'False';
  q.status.conditions.reverse();
  const { changed } = compareFieldSets(p, q, pod);
  const item = (type: string) => changed.has(['f:status', 'f:conditions', `k:{"type":"${type}"}`, '.'].join('\u0000'));
  assert.equal(item('Ready'), true);
  assert.equal(item('Initialized'), false);
  assert.equal(changed.has('f:status\u0000f:conditions\u0000k:{"type":"Initialized"}\u0000f:status'), false);
});

it('a status write leaves the creator entry as stored and records the writer', () => {
  const created = updateManagedFields(null, boundPod(), 'kube-controller-manager', pod, { operation: 'Update', apiVersion: 'v1', now: t0 });
  const creatorFields = created.metadata.managedFields[0].fieldsV1;
  const next = updateManagedFields(created, running(created, true, t1), 'kubelet', pod, { operation: 'Update', apiVersion: 'v1', subresource: 'status', now: t1 });
  const [creator, kubelet] = next.metadata.managedFields;
  assert.equal(creator.fieldsV1, creatorFields);
  assert.deepEqual({ manager: kubelet.manager, subresource: kubelet.subresource, time: kubelet.time }, { manager: 'kubelet', subresource: 'status', time: t1 });
  assert.ok(kubelet.fieldsV1['f:status']['f:containerStatuses']);
  assert.equal(kubelet.fieldsV1['f:status']['f:qosClass'], undefined, 'unchanged fields stay with nobody new');
});
