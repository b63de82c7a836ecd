import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, maxRevision,
  setDeploymentRevision, setNewReplicaSetAnnotations,
} from './annotations.js';

const d = () => ({
  metadata: { annotations: {
    'kubernetes.io/change-cause': 'kubectl set image v2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', [REVISION_ANNOTATION]: '7',
  } },
  spec: { replicas: 4 },
});

describe('revision bookkeeping', () => {
  it('a new ReplicaSet gets the next revision, the replica annotations and the Deployment\'s annotations but the skipped ones', () => {
    const rs: any = { metadata: {} };
    assert.ok(setNewReplicaSetAnnotations(d(), rs, '3', false, 1));
    assert.deepEqual(rs.metadata.annotations, {
      'kubernetes.io/change-cause': 'kubectl set image v2', [REVISION_ANNOTATION]: '3', [DESIRED_REPLICAS_ANNOTATION]: '4', [MAX_REPLICAS_ANNOTATION]: '5',
    });
    assert.ok(!setNewReplicaSetAnnotations(d(), rs, '3', true, 1), 'nothing more to change');
  });

  it('an old template coming back gets a higher revision and remembers the earlier ones', () => {
    const rs: any = { metadata: { annotations: { [REVISION_ANNOTATION]: '1' } } };
    setNewReplicaSetAnnotations(d(), rs, '3', true, 1);
    assert.equal(rs.metadata.annotations[REVISION_ANNOTATION], '3');
    assert.equal(rs.metadata.annotations[REVISION_HISTORY_ANNOTATION], '1');
    setNewReplicaSetAnnotations(d(), rs, '5', true, 1);
    assert.equal(rs.metadata.annotations[REVISION_HISTORY_ANNOTATION], '1,3');
    assert.equal(rs.metadata.annotations[DESIRED_REPLICAS_ANNOTATION], undefined, 'an existing ReplicaSet is sized by scaling, not here');
  });

  it('never lowers a revision; the history is capped in characters, oldest dropped', () => {
    const rs: any = { metadata: { annotations: { [REVISION_ANNOTATION]: '9', 'kubernetes.io/change-cause': 'kubectl set image v2' } } };
    assert.ok(!setNewReplicaSetAnnotations(d(), rs, '4', true, 1));
    assert.equal(rs.metadata.annotations[REVISION_ANNOTATION], '9');
    const long: any = { metadata: { annotations: { [REVISION_ANNOTATION]: '30', [REVISION_HISTORY_ANNOTATION]: '10,20' } } };
    setNewReplicaSetAnnotations(d(), long, '40', true, 1, 6);
    assert.equal(long.metadata.annotations[REVISION_HISTORY_ANNOTATION], '20,30');
  });

  it('maxRevision and the Deployment\'s revision', () => {
    assert.equal(maxRevision([{ metadata: { annotations: { [REVISION_ANNOTATION]: '2' } } }, { metadata: {} }, { metadata: { annotations: { [REVISION_ANNOTATION]: '11' } } }]), 11);
    const dep: any = { metadata: {} };
    assert.ok(setDeploymentRevision(dep, '2'));
    assert.ok(!setDeploymentRevision(dep, '2'));
  });
});
