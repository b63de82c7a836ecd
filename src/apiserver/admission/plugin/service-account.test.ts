import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attrsFor, fakeClient } from './fake-client.js';
import { serviceAccountPlugin } from './service-account.js';

const mountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
function setup(sa: any = {}) {
  const c = fakeClient();
  c.seed('', 'serviceaccounts', { metadata: { name: 'default', namespace: 'ns' }, ...sa });
  return { c, p: serviceAccountPlugin(c, { lookupTimeoutMs: 200, lookupIntervalMs: 20 }) };
}
const podWith = (spec: any, meta: any = {}): any => ({ metadata: { name: 'x', namespace: 'ns', ...meta }, spec });

describe('ServiceAccount', () => {
  it('defaults the account and mounts the projected token in every container', async () => {
    const { p } = setup();
    assert.equal(p.name, 'ServiceAccount');
    const pod = podWith({ containers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'i' }], initContainers: [{ name: 'init', image: 'i' }] });
    const a = attrsFor('CREATE', 'pods', 'ns', pod);
    assert.ok(p.handles(a));
    await p.admit!(a);
    assert.equal(pod.spec.serviceAccountName, 'default');
    assert.equal(pod.spec.serviceAccount, 'default');
    assert.equal(pod.spec.volumes.length, 1);
    const vol = pod.spec.volumes[0];
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(vol.projected, {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    });
    for (const c of [...pod.spec.containers, ...pod.spec.initContainers]) {
      assert.deepEqual(c.volumeMounts, [{ name: vol.name, readOnly: true, mountPath }]);
    }
  });

  it('does not mount over an existing mount at the token path', async () => {
    const { p } = setup();
    const pod = podWith({ containers: [{ name: 'a', image: 'i', volumeMounts: [{ name: 'mine', mountPath }] }], volumes: [{ name: 'mine', emptyDir: {} }] });
    await p.admit!(attrsFor('CREATE', 'pods', 'ns', pod));
    assert.equal(pod.spec.volumes.length, 1);
    assert.equal(pod.spec.containers[0].volumeMounts.length, 1);
  });

  it('honours automountServiceAccountToken on the pod over the account', async () => {
    const off = setup({ automountServiceAccountToken: false });
    const pod1 = podWith({ containers: [{ name: 'a', image: 'i' }] });
    await off.p.admit!(attrsFor('CREATE', 'pods', 'ns', pod1));
    assert.equal(pod1.spec.volumes, undefined);
    const pod2 = podWith({ automountServiceAccountToken: true, containers: [{ name: 'a', image: 'i' }] });
    await off.p.admit!(attrsFor('CREATE', 'pods', 'ns', pod2));
    assert.equal(pod2.spec.volumes.length, 1);
    const on = setup();
    const pod3 = podWith({ automountServiceAccountToken: false, containers: [{ name: 'a', image: 'i' }] });
    await on.p.admit!(attrsFor('CREATE', 'pods', 'ns', pod3));
    assert.equal(pod3.spec.volumes, undefined);
    assert.equal(pod3.spec.containers[0].volumeMounts, undefined);
  });

  it('refuses a pod whose account does not exist, after waiting for it', async () => {
    const { p } = setup();
    const pod = podWith({ serviceAccountName: 'robot', containers: [{ name: 'a', image: 'i' }] });
    const t0 = Date.now();
    await assert.rejects(p.admit!(attrsFor('CREATE', 'pods', 'ns', pod)), (e: any) => {
      assert.equal(e.code, 403);
      assert.equal(e.message, 'pods "x" is forbidden: error looking up service account ns/robot: serviceaccount "robot" not found');
      return true;
    });
    assert.ok(Date.now() - t0 >= 150);
  });

  it('finds an account the controller makes a moment later', async () => {
    const { c, p } = setup();
    const pod = podWith({ serviceAccountName: 'late', containers: [{ name: 'a', image: 'i' }] });
    setTimeout(() => c.seed('', 'serviceaccounts', { metadata: { name: 'late', namespace: 'ns' } }), 50);
    await p.admit!(attrsFor('CREATE', 'pods', 'ns', pod));
    assert.equal(pod.spec.serviceAccount, 'late');
    assert.equal(pod.spec.volumes.length, 1);
  });

  it('skips mirror pods, and refuses mirror pods that reference accounts or secrets', async () => {
    const { p } = setup();
    const mirror = { 'kubernetes.io/config.mirror': 'abc' };
    const pod = podWith({ containers: [{ name: 'a', image: 'i' }] }, { annotations: mirror });
    const a = attrsFor('CREATE', 'pods', 'ns', pod);
    await p.admit!(a);
    await p.validate!(a);
    assert.equal(pod.spec.serviceAccountName, undefined);
    assert.equal(pod.spec.volumes, undefined);
    const bad = podWith({ serviceAccountName: 'default', containers: [] }, { annotations: mirror });
    await assert.rejects(p.validate!(attrsFor('CREATE', 'pods', 'ns', bad)), { message: 'pods "x" is forbidden: a mirror pod may not reference service accounts' });
    const sec = podWith({ containers: [], volumes: [{ name: 's', secret: { secretName: 's' } }] }, { annotations: mirror });
    await assert.rejects(p.validate!(attrsFor('CREATE', 'pods', 'ns', sec)), { message: 'pods "x" is forbidden: a mirror pod may not reference secrets' });
  });

  it('ignores updates and subresources', () => {
    const { p } = setup();
    assert.equal(p.handles(attrsFor('UPDATE', 'pods', 'ns', podWith({}))), false);
    assert.equal(p.handles({ ...attrsFor('CREATE', 'pods', 'ns', podWith({})), subresource: 'eviction' }), false);
  });
});
