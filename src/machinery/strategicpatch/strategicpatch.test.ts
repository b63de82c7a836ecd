import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch as apply, createTwoWayMergePatch, createThreeWayMergePatch, StrategicMergePatchError } from './index.js';
import { podSchema, deploymentSchema, widgetSchema } from './testschemas.test.js';

const pod = () => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web', tier: 'fe' }, finalizers: ['a', 'b'] },
  spec: {
    containers: [
      { name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }, { containerPort: 443 }], env: [{ name: 'A', value: '1' }] },
      { name: 'side', image: 'busybox' },
    ],
    volumes: [{ name: 'cfg', configMap: { name: 'c' } }],
    tolerations: [{ key: 'k', operator: 'Exists' }],
    nodeSelector: { disk: 'ssd', zone: 'a' },
  },
});

test('merge lists by merge key, maps recursively, null deletes', () => {
  const orig = pod();
  const out = apply(orig, {
    metadata: { labels: { tier: null, new: 'x' } },
    spec: { containers: [{ name: 'app', image: 'nginx:2', env: [{ name: 'B', value: '2' }], ports: [{ containerPort: 8080 }] }, { name: 'extra', image: 'e' }] },
  }, podSchema) as any;
  assert.deepEqual(out.metadata.labels, { app: 'web', new: 'x' });
  // Kubernetes' ordering: patch items first, a server-only item goes before a patch item only
  // when both are in the live list.
  assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['app', 'extra', 'side']);
  assert.equal(out.spec.containers[0].image, 'nginx:2');
  assert.deepEqual(out.spec.containers[0].env, [{ name: 'B', value: '2' }, { name: 'A', value: '1' }]);
  assert.deepEqual(out.spec.containers[0].ports, [{ containerPort: 8080 }, { containerPort: 80 }, { containerPort: 443 }]);
  assert.deepEqual(orig, pod(), 'original untouched');
});

test('$patch directives on list items and maps', () => {
  let out = apply(pod(), { spec: { containers: [{ name: 'side', $patch: 'delete' }] } }, podSchema) as any;
  assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['app']);
  out = apply(pod(), { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } }, podSchema) as any;
  assert.deepEqual(out.spec.containers, [{ name: 'only', image: 'x' }]);
  out = apply(pod(), { spec: { nodeSelector: { $patch: 'replace', zone: 'b' } } }, podSchema) as any;
  assert.deepEqual(out.spec.nodeSelector, { zone: 'b' });
  out = apply(pod(), { spec: { nodeSelector: { $patch: 'delete' } } }, podSchema) as any;
  assert.deepEqual(out.spec.nodeSelector, {});
  assert.throws(() => apply(pod(), { spec: { containers: [{ name: 'x', $patch: 'merge' }] } }, podSchema), { message: 'merging lists cannot yet be specified in the patch' });
  assert.throws(() => apply(pod(), { spec: { nodeSelector: { $patch: 'bogus' } } }, podSchema), { message: 'unknown patch type: bogus in map: map[$patch:bogus]' });
});

test('primitive set lists merge, delete through the parallel list, atomic lists replace', () => {
  let out = apply(pod(), { metadata: { finalizers: ['c', 'a'] } }, podSchema) as any;
  assert.deepEqual(out.metadata.finalizers, ['c', 'a', 'b']);
  out = apply(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, podSchema) as any;
  assert.deepEqual(out.metadata.finalizers, ['b']);
  out = apply(pod(), { spec: { tolerations: [{ key: 'other', operator: 'Exists' }] } }, podSchema) as any;
  assert.deepEqual(out.spec.tolerations, [{ key: 'other', operator: 'Exists' }]);
  out = apply(pod(), { spec: { containers: [{ name: 'app', args: ['x'] }] } }, podSchema) as any;
  assert.deepEqual(out.spec.containers[0].args, ['x']);
});

test('$setElementOrder reorders merged lists', () => {
  const out = apply(pod(), { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }] } }, podSchema) as any;
  assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['side', 'app']);
  const out2 = apply(pod(), { metadata: { '$setElementOrder/finalizers': ['b', 'c', 'a'], finalizers: ['c'] } }, podSchema) as any;
  assert.deepEqual(out2.metadata.finalizers, ['b', 'c', 'a']);
});

test('$retainKeys clears union members (Deployment strategy, volume sources)', () => {
  const dep = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } } };
  const out = apply(dep, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, deploymentSchema) as any;
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  const out2 = apply(pod(), { spec: { volumes: [{ name: 'cfg', emptyDir: {}, $retainKeys: ['emptyDir', 'name'] }] } }, podSchema) as any;
  assert.deepEqual(out2.spec.volumes, [{ name: 'cfg', emptyDir: {} }]);
  assert.throws(() => apply(dep, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, deploymentSchema),
    (e: StrategicMergePatchError) => e.message === 'invalid patch format of retainKeys' && e.code === 400);
});

test('a merge list item without its merge key is an error in Kubernetes words', () => {
  assert.throws(() => apply(pod(), { spec: { containers: [{ image: 'x' }] } }, podSchema),
    (e: StrategicMergePatchError) => e.message === 'map: map[image:x] does not contain declared merge key: name' && e.code === 500);
  assert.throws(() => apply({ spec: { containers: [] } }, { spec: { containers: [[1]] } }, podSchema),
    (e: StrategicMergePatchError) => e.message === 'lists of lists are not supported' && e.code === 422);
});

test('fields without patch metadata fall back to JSON merge patch semantics', () => {
  const w = { metadata: { name: 'w', finalizers: ['x'] }, spec: { items: [{ name: 'a' }, { name: 'b' }], nested: { a: 1, b: 2 } } };
  const out = apply(w, { metadata: { finalizers: ['y'] }, spec: { items: [{ name: 'c' }], nested: { b: null, c: 3 } } }, widgetSchema) as any;
  assert.deepEqual(out, { metadata: { name: 'w', finalizers: ['y', 'x'] }, spec: { items: [{ name: 'c' }], nested: { a: 1, c: 3 } } });
  assert.deepEqual(apply({ a: [1] }, { a: [2], b: { c: null } }, undefined), { a: [2], b: { c: null } });
});

test('two-way patch is what kubectl would send, and applies back', () => {
  const a = pod();
  const b = pod() as any;
  b.metadata.labels.tier = 'be';
  delete b.metadata.labels.app;
  b.metadata.finalizers = ['b', 'z'];
  b.spec.containers[0].image = 'nginx:2';
  b.spec.containers.reverse();
  b.spec.containers.push({ name: 'new', image: 'n' });
  const p = createTwoWayMergePatch(a, b, podSchema);
  assert.deepEqual(p, {
    metadata: { labels: { app: null, tier: 'be' }, finalizers: ['z'], '$deleteFromPrimitiveList/finalizers': ['a'], '$setElementOrder/finalizers': ['b', 'z'] },
    spec: {
      '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }, { name: 'new' }],
      containers: [{ name: 'app', image: 'nginx:2' }, { name: 'new', image: 'n' }],
    },
  });
  assert.deepEqual(apply(a, p, podSchema), b);
  const del = createTwoWayMergePatch(a, { ...pod(), spec: { ...pod().spec, containers: [pod().spec.containers[0]] } }, podSchema);
  assert.deepEqual((del as any).spec.containers, [{ $patch: 'delete', name: 'side' }]);
});

test('three-way patch deletes only what the last-applied configuration owned', () => {
  const lastApplied = { metadata: { name: 'p', labels: { app: 'web', old: 'x' } }, spec: { containers: [{ name: 'app', image: 'nginx:1' }] } };
  const modified = { metadata: { name: 'p', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:2' }] } };
  const current = { metadata: { name: 'p', labels: { app: 'web', old: 'x', controller: 'y' } }, spec: { containers: [{ name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }] }] } };
  const p = createThreeWayMergePatch(lastApplied, modified, current, podSchema);
  assert.deepEqual(p, { metadata: { labels: { old: null } }, spec: { '$setElementOrder/containers': [{ name: 'app' }], containers: [{ name: 'app', image: 'nginx:2' }] } });
  assert.deepEqual(apply(current, p, podSchema), {
    metadata: { name: 'p', labels: { app: 'web', controller: 'y' } },
    spec: { containers: [{ name: 'app', image: 'nginx:2', ports: [{ containerPort: 80 }] }] },
  });
});
