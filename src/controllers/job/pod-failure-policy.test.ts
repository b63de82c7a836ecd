import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchPodFailurePolicy } from './pod-failure-policy.js';

const failed = (exitCodes: Record<string, number>, conditions: any[] = []) => ({
  metadata: { namespace: 'ns', name: 'p' },
  status: { phase: 'Failed', conditions, containerStatuses: Object.entries(exitCodes).map(([name, exitCode]) => ({ name, state: { terminated: { exitCode } } })) },
});

describe('pod failure policy', () => {
  const policy = { rules: [
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
    { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
    { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
    { action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } },
  ] };

  it('FailJob carries the message Kubernetes writes', () => {
    assert.deepEqual(matchPodFailurePolicy(policy, failed({ main: 42 })), {
      action: 'FailJob', countFailed: true, message: 'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1' });
  });
  it('the container name narrows an onExitCodes rule', () => {
    assert.equal(matchPodFailurePolicy(policy, failed({ side: 42 })).action, 'Count');
  });
  it('Ignore does not count; conditions match by type and status', () => {
    assert.deepEqual(matchPodFailurePolicy(policy, failed({ main: 42 }, [{ type: 'DisruptionTarget', status: 'True' }])), { action: 'Ignore', countFailed: false });
    assert.equal(matchPodFailurePolicy(policy, failed({ main: 42 }, [{ type: 'DisruptionTarget', status: 'False' }])).action, 'FailJob');
  });
  it('NotIn skips listed codes and exit code 0 never matches', () => {
    assert.equal(matchPodFailurePolicy(policy, failed({ main: 1 })).action, 'FailIndex');
    assert.deepEqual(matchPodFailurePolicy(policy, failed({ main: 0 })), { countFailed: true });
  });
  it('only Failed pods are judged; no policy means a plain failure', () => {
    assert.deepEqual(matchPodFailurePolicy(policy, { ...failed({ main: 42 }), status: { phase: 'Running' } }), { countFailed: true });
    assert.deepEqual(matchPodFailurePolicy(undefined, failed({ main: 42 })), { countFailed: true });
  });
});
