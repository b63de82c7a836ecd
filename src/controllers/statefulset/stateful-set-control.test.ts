import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PodControl } from './stateful-pod-control.js';
import { isClaimOwnerUpToDate, claimOwnerRefs } from './stateful-pod-control.js';
import { newRevision, updateStatefulSet } from './stateful-set-control.js';
import { getPodRevision, newStatefulSetPod, parentAndOrdinal } from './stateful-set-utils.js';

function newSet(replicas: number, extra: any = {}): any {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 1 },
    spec: {
      replicas, serviceName: 'nginx', selector: { matchLabels: { app: 'web' } }, podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...extra,
    },
    status: {},
  };
}

/** A fake cluster: pods by name, with the writes recorded. */
class FakePods implements PodControl {
  pods = new Map<string, any>();
  log: string[] = [];
  async createStatefulPod(_set: any, pod: any) { this.log.push(`create ${pod.metadata.name}`); this.pods.set(pod.metadata.name, { ...structuredClone(pod), metadata: { ...pod.metadata, uid: `uid-${pod.metadata.name}` }, status: { phase: 'Pending' } }); }
  async updateStatefulPod(_set: any, pod: any) { this.log.push(`update ${pod.metadata.name}`); }
  async deleteStatefulPod(_set: any, pod: any) { this.log.push(`delete ${pod.metadata.name}`); this.pods.delete(pod.metadata.name); }
  async createMissingPersistentVolumeClaims() {}
  podClaimIsStale() { return false; }
  claimsMatchRetentionPolicy() { return true; }
  async updatePodClaimForRetentionPolicy() {}
  ready(name: string) { const p = this.pods.get(name); p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }; }
  list() { return [...this.pods.values()]; }
}

const rev = (set: any, n = 1) => { const r = newRevision(set, n, 0); r.metadata.uid = `rev-${n}`; return r; };

describe('StatefulSet control loop', () => {
  it('a pod has the identity of its ordinal: name, labels, hostname, subdomain, a volume per claim template', () => {
    const pod = newStatefulSetPod(newSet(3), 2);
    assert.equal(pod.metadata.name, 'web-2');
    assert.equal(pod.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-2');
    assert.equal(pod.metadata.labels['apps.kubernetes.io/pod-index'], '2');
    assert.equal(pod.spec.hostname, 'web-2');
    assert.equal(pod.spec.subdomain, 'nginx');
    assert.deepEqual(pod.spec.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-2' } }]);
    assert.deepEqual(parentAndOrdinal({ metadata: { name: 'my-set-12' } }), ['my-set', 12]);
    assert.deepEqual(parentAndOrdinal({ metadata: { name: 'nope' } }), ['', -1]);
  });

  it('OrderedReady creates one pod at a time, each after the previous is Running and Ready', async () => {
    const set = newSet(3);
    const r = rev(set);
    const f = new FakePods();
    await updateStatefulSet(set, r, r, 0, f.list(), f);
    assert.deepEqual(f.log, ['create web-0']);
    await updateStatefulSet(set, r, r, 0, f.list(), f);
    assert.deepEqual(f.log, ['create web-0'], 'web-1 waits for web-0');
    f.ready('web-0');
    await updateStatefulSet(set, r, r, 0, f.list(), f);
    assert.deepEqual(f.log, ['create web-0', 'create web-1']);
    f.ready('web-1');
    const st = await updateStatefulSet(set, r, r, 0, f.list(), f);
    assert.deepEqual(f.log.slice(2), ['create web-2']);
    assert.equal(st.replicas, 2, 'the status is what the pass saw before creating web-2');
    assert.equal(st.readyReplicas, 2);
    assert.equal(getPodRevision(f.pods.get('web-2')), r.metadata.name);
  });

  it('Parallel creates every pod at once; scale-down under OrderedReady deletes the highest ordinal first, one at a time', async () => {
    const f = new FakePods();
    const par = newSet(3, { podManagementPolicy: 'Parallel' });
    const r = rev(par);
    await updateStatefulSet(par, r, r, 0, f.list(), f);
    assert.deepEqual(f.log.sort(), ['create web-0', 'create web-1', 'create web-2']);
    for (const n of ['web-0', 'web-1', 'web-2']) f.ready(n);
    f.log = [];
    const one = newSet(1);
    await updateStatefulSet(one, r, r, 0, f.list(), f);
    assert.deepEqual(f.log, ['delete web-2']);
    await updateStatefulSet(one, r, r, 0, f.list(), f);
    assert.deepEqual(f.log, ['delete web-2', 'delete web-1']);
  });

  it('a failed pod is deleted, then recreated under the same name', async () => {
    const set = newSet(1);
    const r = rev(set);
    const f = new FakePods();
    await updateStatefulSet(set, r, r, 0, f.list(), f);
    f.pods.get('web-0').status.phase = 'Failed';
    await updateStatefulSet(set, r, r, 0, f.list(), f);
    await updateStatefulSet(set, r, r, 0, f.list(), f);
    assert.deepEqual(f.log, ['create web-0', 'delete web-0', 'create web-0']);
  });

  it('a rolling update replaces the highest ordinal first, waits for it, and stops at the partition', async () => {
    const set = newSet(3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } });
    const r1 = rev(set, 1);
    const f = new FakePods();
    for (let i = 0; i < 3; i++) { await updateStatefulSet(set, r1, r1, 0, f.list(), f); f.ready(`web-${i}`); }
    f.log = [];
    const set2 = structuredClone(set);
    set2.spec.template.spec.containers[0].image = 'nginx:2';
    const r2 = rev(set2, 2);
    set2.status = { currentReplicas: 3, currentRevision: r1.metadata.name };
    await updateStatefulSet(set2, r1, r2, 0, f.list(), f);
    assert.deepEqual(f.log, ['delete web-2']);
    await updateStatefulSet(set2, r1, r2, 0, f.list(), f);
    assert.deepEqual(f.log, ['delete web-2', 'create web-2']);
    assert.equal(f.pods.get('web-2').spec.containers[0].image, 'nginx:2');
    await updateStatefulSet(set2, r1, r2, 0, f.list(), f);
    assert.equal(f.log.length, 2, 'waits for web-2 to be ready');
    f.ready('web-2');
    await updateStatefulSet(set2, r1, r2, 0, f.list(), f);
    assert.deepEqual(f.log.slice(2), ['delete web-1']);
    await updateStatefulSet(set2, r1, r2, 0, f.list(), f);
    f.ready('web-1');
    const st = await updateStatefulSet(set2, r1, r2, 0, f.list(), f);
    assert.deepEqual(f.log.slice(2), ['delete web-1', 'create web-1'], 'web-0 is below the partition');
    assert.equal(getPodRevision(f.pods.get('web-0')), r1.metadata.name);
    assert.equal(st.updatedReplicas, 2);
    assert.equal(st.currentReplicas, 1);
  });

  it('OnDelete never deletes for an update', async () => {
    const set = newSet(1, { updateStrategy: { type: 'OnDelete' } });
    const r1 = rev(set, 1);
    const f = new FakePods();
    await updateStatefulSet(set, r1, r1, 0, f.list(), f);
    f.ready('web-0');
    const set2 = structuredClone(set);
    set2.spec.template.spec.containers[0].image = 'nginx:2';
    await updateStatefulSet(set2, r1, rev(set2, 2), 0, f.list(), f);
    assert.deepEqual(f.log, ['create web-0']);
  });

  it('PVC owners follow the retention policy', () => {
    const set = newSet(1, { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
    const inRange = { metadata: { name: 'web-0', uid: 'p0' } };
    const scaled = { metadata: { name: 'web-1', uid: 'p1' } };
    const claim = (refs: any[] = []) => ({ metadata: { name: 'www-web-0', ownerReferences: refs } });
    assert.equal(isClaimOwnerUpToDate(claim(), set, inRange), false);
    assert.deepEqual(claimOwnerRefs(claim(), set, inRange).map((r) => r.kind), ['StatefulSet']);
    assert.equal(isClaimOwnerUpToDate({ metadata: { ownerReferences: claimOwnerRefs(claim(), set, inRange) } }, set, inRange), true);
    assert.deepEqual(claimOwnerRefs(claim(), set, scaled).map((r) => `${r.kind}/${r.name}`), ['Pod/web-1']);
    const retain = newSet(1);
    assert.equal(isClaimOwnerUpToDate(claim(), retain, inRange), true);
  });
});
