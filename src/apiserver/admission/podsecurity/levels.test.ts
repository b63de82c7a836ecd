import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LATEST, defaultPolicy, levelVersionString, parseLevel, parseVersion, policyToEvaluate, aggregateText, compareLevels } from './levels.js';

describe('pod security levels', () => {
  it('parses levels and versions', () => {
    assert.deepEqual(parseLevel('baseline'), { level: 'baseline' });
    assert.deepEqual(parseLevel('Baseline'), { level: 'restricted', error: 'must be one of privileged, baseline, restricted' });
    assert.deepEqual(parseVersion('latest'), { version: LATEST });
    assert.deepEqual(parseVersion('v1.25'), { version: 25 });
    assert.deepEqual(parseVersion('v1.0'), { version: 0 });
    for (const bad of ['1.25', 'v1.025', 'v2.1', 'v1.x', '']) assert.equal(parseVersion(bad).error, 'must be "latest" or "v1.x"', bad);
    assert.equal(levelVersionString({ level: 'restricted', version: LATEST }), 'restricted:latest');
    assert.equal(levelVersionString({ level: 'baseline', version: 29 }), 'baseline:v1.29');
    assert.equal(compareLevels('restricted', 'baseline'), 1);
    assert.equal(compareLevels('privileged', 'baseline'), -1);
  });

  it('reads the policy from namespace labels over the defaults', () => {
    const { policy, errors } = policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.24', 'pod-security.kubernetes.io/audit': 'restricted' });
    assert.deepEqual(errors, []);
    assert.deepEqual(policy, { enforce: { level: 'baseline', version: 24 }, audit: { level: 'restricted', version: LATEST }, warn: { level: 'baseline', version: 24 } });
    assert.deepEqual(policyToEvaluate({}, defaultPolicy({ warn: 'restricted' })).policy.warn, { level: 'restricted', version: LATEST });
  });

  it('warn follows a stricter enforce only when warn is not labelled', () => {
    const p = policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'baseline' }).policy;
    assert.equal(p.warn.level, 'baseline');
    const q = policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.20' }).policy;
    assert.deepEqual(q.warn, { level: 'restricted', version: 20 });
  });

  it('bad labels: enforce fails closed, audit and warn fail open', () => {
    const { policy, errors } = policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'foo', 'pod-security.kubernetes.io/warn': 'bar', 'pod-security.kubernetes.io/audit-version': '1' });
    assert.equal(policy.enforce.level, 'restricted');
    assert.equal(policy.warn.level, 'privileged');
    assert.equal(aggregateText(errors), '[metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted, '
      + 'metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "1": must be "latest" or "v1.x", '
      + 'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "bar": must be one of privileged, baseline, restricted]');
  });

  it('refuses bad configured defaults', () => {
    assert.throws(() => defaultPolicy({ enforce: 'strict' }), /must be one of privileged, baseline, restricted/);
  });
});
