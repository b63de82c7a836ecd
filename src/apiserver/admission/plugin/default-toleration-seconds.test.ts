import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attrsFor } from './fake-client.js';
import { defaultTolerationSecondsPlugin } from './default-toleration-seconds.js';

const notReady = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const unreachable = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const podWith = (tolerations?: any[]): any => ({ metadata: { name: 'x' }, spec: { containers: [], ...(tolerations ? { tolerations } : {}) } });

describe('DefaultTolerationSeconds', () => {
  it('adds both tolerations to a pod with none', async () => {
    const p = defaultTolerationSecondsPlugin();
    assert.equal(p.name, 'DefaultTolerationSeconds');
    const pod = podWith();
    const a = attrsFor('CREATE', 'pods', 'ns', pod);
    assert.ok(p.handles(a));
    await p.admit!(a);
    assert.deepEqual(pod.spec.tolerations, [notReady, unreachable]);
  });

  it('keeps a pod’s own toleration for a key and adds only the other', async () => {
    const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 6000 };
    const pod = podWith([own]);
    await defaultTolerationSecondsPlugin().admit!(attrsFor('CREATE', 'pods', 'ns', pod));
    assert.deepEqual(pod.spec.tolerations, [own, notReady]);
  });

  it('treats an empty effect or an empty key as tolerating', async () => {
    const noEffect = { key: 'node.kubernetes.io/not-ready', operator: 'Exists' };
    const pod = podWith([noEffect]);
    await defaultTolerationSecondsPlugin().admit!(attrsFor('CREATE', 'pods', 'ns', pod));
    assert.deepEqual(pod.spec.tolerations, [noEffect, unreachable]);
    const all = podWith([{ operator: 'Exists' }]);
    await defaultTolerationSecondsPlugin().admit!(attrsFor('CREATE', 'pods', 'ns', all));
    assert.deepEqual(all.spec.tolerations, [{ operator: 'Exists' }]);
  });

  it('does not count a NoSchedule toleration', async () => {
    const ns = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' };
    const pod = podWith([ns]);
    await defaultTolerationSecondsPlugin().admit!(attrsFor('CREATE', 'pods', 'ns', pod));
    assert.deepEqual(pod.spec.tolerations, [ns, notReady, unreachable]);
  });

  it('ignores updates', () => {
    assert.equal(defaultTolerationSecondsPlugin().handles(attrsFor('UPDATE', 'pods', 'ns', podWith())), false);
  });
});
