/** NodeAffinity: nodeSelector, required terms with every operator and matchFields, preferred weights. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, testCluster } from '../../testing/fixtures.js';
import { FitError } from '../../framework/fit-error.js';
import { NodeInfo } from '../../framework/node-info.js';
import { RequiredNodeAffinity } from '../helper/node-selector.js';

const required = (...terms: any[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
const ni = (n: any) => { const x = new NodeInfo(n.metadata.name); x.setNode(n); return x; };

describe('NodeAffinity', () => {
  const nodes = [makeNode('small', { labels: { size: '2', disk: 'hdd' } }), makeNode('big', { labels: { size: '16', disk: 'ssd', gpu: 'yes' } })];

  it('matchExpressions: In, NotIn, Exists, DoesNotExist, Gt, Lt; terms ORed, expressions ANDed', () => {
    const m = (terms: any[]) => nodes.filter((n) => new RequiredNodeAffinity({ spec: required(...terms) }).matches(ni(n))).map((n) => n.metadata.name);
    assert.deepEqual(m([{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }]), ['big']);
    assert.deepEqual(m([{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] }]), ['small']);
    assert.deepEqual(m([{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }]), ['big']);
    assert.deepEqual(m([{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }]), ['small']);
    assert.deepEqual(m([{ matchExpressions: [{ key: 'size', operator: 'Gt', values: ['4'] }] }]), ['big']);
    assert.deepEqual(m([{ matchExpressions: [{ key: 'size', operator: 'Lt', values: ['4'] }] }]), ['small']);
    assert.deepEqual(m([{ matchExpressions: [{ key: 'size', operator: 'Lt', values: ['4'] }, { key: 'disk', operator: 'In', values: ['ssd'] }] }]), []);
    assert.deepEqual(m([{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['small'] }] }]), ['small', 'big']);
    assert.deepEqual(m([{}]), []);
  });

  it('nodeSelector and required affinity filter with upstream\'s reason', () => {
    const tc = testCluster(nodes);
    assert.equal(tc.schedule(makePod('a', { spec: { nodeSelector: { disk: 'ssd' } } })), 'big');
    const r = tc.schedule(makePod('b', { spec: { nodeSelector: { disk: 'nvme' } } }));
    assert.ok(r instanceof FitError);
    assert.equal(r.message, "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
  });

  it('matchFields on metadata.name narrows the search to the named nodes', () => {
    const tc = testCluster(nodes);
    assert.equal(tc.schedule(makePod('ds', { spec: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['small'] }] }) })), 'small');
  });

  it('preferred terms steer the pod to the labelled node', () => {
    const tc = testCluster([makeNode('n1'), makeNode('n2', { labels: { 'workload-type': 'backend' } }), makeNode('n3')]);
    const pref = { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 80, preference: { matchExpressions: [{ key: 'workload-type', operator: 'In', values: ['backend'] }] } }] } } };
    for (let i = 0; i < 3; i++) assert.equal(tc.schedule(makePod(`p${i}`, { cpu: '10m', spec: pref })), 'n2');
  });
});
