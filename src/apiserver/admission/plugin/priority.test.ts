import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attrsFor, fakeClient } from './fake-client.js';
import { builtinPriorityClasses, priorityPlugin } from './priority.js';

const pcGroup = 'scheduling.k8s.io';
function setup(classes: any[] = []) {
  const c = fakeClient();
  for (const pc of classes) c.seed(pcGroup, 'priorityclasses', pc);
  return { c, p: priorityPlugin(c) };
}
const podWith = (spec: any = {}): any => ({ metadata: { name: 'x', namespace: 'ns' }, spec: { containers: [], ...spec } });
const high = { metadata: { name: 'high' }, value: 1000 };

describe('Priority', () => {
  it('resolves a stored class', async () => {
    const { p } = setup([high]);
    assert.equal(p.name, 'Priority');
    const pod = podWith({ priorityClassName: 'high' });
    await p.admit!(attrsFor('CREATE', 'pods', 'ns', pod));
    assert.equal(pod.spec.priority, 1000);
    assert.equal(pod.spec.preemptionPolicy, 'PreemptLowerPriority');
  });

  it('resolves the built-in classes even when not stored', async () => {
    const { p } = setup();
    const pod = podWith({ priorityClassName: 'system-node-critical' });
    await p.admit!(attrsFor('CREATE', 'pods', 'ns', pod));
    assert.equal(pod.spec.priority, 2000001000);
    const pod2 = podWith({ priorityClassName: 'system-cluster-critical' });
    await p.admit!(attrsFor('CREATE', 'pods', 'ns', pod2));
    assert.equal(pod2.spec.priority, 2000000000);
  });

  it('refuses an unknown class', async () => {
    const { p } = setup();
    await assert.rejects(p.admit!(attrsFor('CREATE', 'pods', 'ns', podWith({ priorityClassName: 'nope' }))),
      (e: any) => e.code === 403 && e.message === 'pods "x" is forbidden: no PriorityClass with name nope was found');
  });

  it('uses the global default class, else priority 0', async () => {
    const { p } = setup([high, { metadata: { name: 'dflt' }, value: 7, globalDefault: true, preemptionPolicy: 'Never' }]);
    const pod = podWith();
    await p.admit!(attrsFor('CREATE', 'pods', 'ns', pod));
    assert.equal(pod.spec.priorityClassName, 'dflt');
    assert.equal(pod.spec.priority, 7);
    assert.equal(pod.spec.preemptionPolicy, 'Never');
    const none = setup([high]);
    const pod2 = podWith();
    await none.p.admit!(attrsFor('CREATE', 'pods', 'ns', pod2));
    assert.equal(pod2.spec.priority, 0);
    assert.equal(pod2.spec.priorityClassName, undefined);
    assert.equal(pod2.spec.preemptionPolicy, 'PreemptLowerPriority');
  });

  it('refuses a pod that sets a different integer priority, accepts the same one', async () => {
    const { p } = setup([high]);
    await assert.rejects(p.admit!(attrsFor('CREATE', 'pods', 'ns', podWith({ priorityClassName: 'high', priority: 5 }))),
      { message: 'pods "x" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name' });
    await p.admit!(attrsFor('CREATE', 'pods', 'ns', podWith({ priorityClassName: 'high', priority: 1000 })));
  });

  it('keeps priority from the old pod on update', async () => {
    const { p } = setup([high]);
    const pod = podWith({ priorityClassName: 'high', priority: 1 });
    await p.admit!({ ...attrsFor('UPDATE', 'pods', 'ns', pod), oldObject: podWith({ priority: 1000, preemptionPolicy: 'PreemptLowerPriority' }) });
    assert.equal(pod.spec.priority, 1000);
  });

  it('allows only one global default PriorityClass', async () => {
    const { p } = setup([{ metadata: { name: 'dflt' }, value: 7, globalDefault: true }]);
    const a = { ...attrsFor('CREATE', 'priorityclasses', '', { metadata: { name: 'other' }, value: 1, globalDefault: true }), group: pcGroup };
    assert.ok(p.handles(a));
    await assert.rejects(p.validate!(a), { message: 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass dflt is already marked as default. Only one default can exist' });
    await p.validate!({ ...a, object: { metadata: { name: 'dflt' }, value: 8, globalDefault: true }, operation: 'UPDATE', name: 'dflt' });
  });

  it('exports the two built-in classes', () => {
    const [node, cluster] = builtinPriorityClasses();
    assert.deepEqual(node, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-node-critical' }, value: 2000001000, globalDefault: false, description: 'Used for system critical pods that must not be moved from their current node.', preemptionPolicy: 'PreemptLowerPriority' });
    assert.equal(cluster.metadata.name, 'system-cluster-critical');
    assert.equal(cluster.value, 2000000000);
  });
});
