/** TaintToleration, NodeUnschedulable, NodeName and NodePorts: the simple filters. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, testCluster } from '../../testing/fixtures.js';
import { FitError } from '../../framework/fit-error.js';
import { toleratesTaint } from '../../../machinery/scheduling/taints.js';

describe('TaintToleration and the simple filters', () => {
  it('toleration matching follows v1.Toleration.ToleratesTaint', () => {
    const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
    assert.ok(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, taint));
    assert.ok(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint));
    assert.ok(toleratesTaint({ operator: 'Exists' }, taint));
    assert.ok(!toleratesTaint({ key: 'dedicated', value: 'cpu' }, taint));
    assert.ok(!toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint));
  });

  it('untolerated NoSchedule taints filter, with upstream\'s reason; tolerating pods go there', () => {
    const tc = testCluster([makeNode('gpu', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })]);
    const r = tc.schedule(makePod('p'));
    assert.ok(r instanceof FitError);
    assert.equal(r.message, '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.');
    assert.equal(tc.schedule(makePod('t', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } })), 'gpu');
  });

  it('PreferNoSchedule taints only lower the score', () => {
    const tc = testCluster([makeNode('a', { taints: [{ key: 'x', value: 'y', effect: 'PreferNoSchedule' }] }), makeNode('b')]);
    for (let i = 0; i < 5; i++) assert.equal(tc.schedule(makePod(`p${i}`, { cpu: '10m' })), 'b');
  });

  it('cordoned nodes take only pods tolerating node.kubernetes.io/unschedulable', () => {
    const tc = testCluster([makeNode('a', { unschedulable: true })]);
    const r = tc.schedule(makePod('p'));
    assert.ok(r instanceof FitError && r.message === '0/1 nodes are available: 1 node(s) were unschedulable.');
    assert.equal(tc.schedule(makePod('ds', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } })), 'a');
  });

  it('host ports conflict on the same protocol/port, 0.0.0.0 overlapping every IP', () => {
    const tc = testCluster([makeNode('a'), makeNode('b')]);
    const withPort = (n: string, port: number, hostIP?: string) => makePod(n, { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: port, ...(hostIP ? { hostIP } : {}) }] }] } });
    const first = tc.schedule(withPort('p1', 8080));
    const second = tc.schedule(withPort('p2', 8080));
    assert.notEqual(first, second);
    const third = tc.schedule(withPort('p3', 8080, '10.0.0.1'));
    assert.ok(third instanceof FitError);
    assert.equal(third.message, "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.");
    assert.ok(typeof tc.schedule(withPort('p4', 9090)) === 'string');
  });
});
