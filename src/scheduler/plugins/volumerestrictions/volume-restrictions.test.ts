/** VolumeRestrictions: ReadWriteOncePod claims in use, and in-tree disks attached read-write. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, testCluster } from '../../testing/fixtures.js';
import { FitError } from '../../framework/fit-error.js';
import { volumesConflict } from './volume-restrictions.js';

const withClaim = (name: string, claim: string, nodeName?: string) => makePod(name, { nodeName, spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: claim } }] } });

describe('VolumeRestrictions', () => {
  it('a ReadWriteOncePod claim in use blocks every node; a missing claim is unresolvable', () => {
    const tc = testCluster([makeNode('a'), makeNode('b')]);
    tc.pvcs.set('default/data', { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOncePod'] } });
    tc.pvcs.set('default/shared', { metadata: { name: 'shared' }, spec: { accessModes: ['ReadWriteMany'] } });
    assert.equal(typeof tc.schedule(withClaim('first', 'data')), 'string');
    const r = tc.schedule(withClaim('second', 'data'));
    assert.ok(r instanceof FitError);
    assert.equal(r.message, '0/2 nodes are available: 2 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode.');
    assert.equal(typeof tc.schedule(withClaim('s1', 'shared')), 'string');
    assert.equal(typeof tc.schedule(withClaim('s2', 'shared')), 'string');
    const missing = tc.schedule(withClaim('m', 'nope'));
    assert.ok(missing instanceof FitError && missing.message === '0/2 nodes are available: persistentvolumeclaim "nope" not found.');
  });

  it('the same GCE PD read-write, or the same EBS volume, conflicts', () => {
    assert.ok(volumesConflict({ gcePersistentDisk: { pdName: 'd' } }, { gcePersistentDisk: { pdName: 'd', readOnly: true } }));
    assert.ok(!volumesConflict({ gcePersistentDisk: { pdName: 'd', readOnly: true } }, { gcePersistentDisk: { pdName: 'd', readOnly: true } }));
    assert.ok(volumesConflict({ awsElasticBlockStore: { volumeID: 'v' } }, { awsElasticBlockStore: { volumeID: 'v' } }));
    const tc = testCluster([makeNode('a')]);
    tc.place(makePod('x', { nodeName: 'a', spec: { volumes: [{ name: 'v', gcePersistentDisk: { pdName: 'disk1' } }] } }));
    const r = tc.schedule(makePod('y', { spec: { volumes: [{ name: 'v', gcePersistentDisk: { pdName: 'disk1' } }] } }));
    assert.ok(r instanceof FitError && r.message === '0/1 nodes are available: 1 node(s) had no available disk.');
  });
});
