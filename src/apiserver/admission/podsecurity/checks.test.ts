import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, violationsText } from './checks.js';
import { namespaceLabelErrors, policiesOf } from './admission.js';

const pod = (sc: any = {}, podSc: any = undefined, extra: any = {}) => ({ ...(podSc ? { securityContext: podSc } : {}), containers: [{ name: 'c', image: 'x', securityContext: sc }], ...extra });

describe('pod security checks', () => {
  it('a privileged container under restricted gives Kubernetes\' message, in its order', () => {
    assert.equal(violationsText(evaluate('restricted', {}, pod({ privileged: true }))),
      'privileged (container "c" must not set securityContext.privileged=true), '
      + 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
      + 'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
      + 'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
      + 'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
  });

  it('baseline admits a plain pod and refuses host namespaces and host ports', () => {
    assert.deepEqual(evaluate('baseline', {}, pod()), []);
    const spec = { hostNetwork: true, hostPID: true, containers: [{ name: 'web', image: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }] };
    assert.equal(violationsText(evaluate('baseline', {}, spec)), 'host namespaces (hostNetwork=true, hostPID=true), hostPort (container "web" uses hostPort 80)');
  });

  it('restricted admits a compliant pod', () => {
    const ok = pod({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      { volumes: [{ name: 'cfg', configMap: { name: 'x' } }] });
    assert.deepEqual(evaluate('restricted', {}, ok), []);
  });

  it('restricted volume types replace the baseline hostPath check', () => {
    const spec = { ...pod({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }),
      volumes: [{ name: 'a', hostPath: { path: '/' } }, { name: 'b', hostPath: { path: '/x' } }] };
    assert.equal(violationsText(evaluate('restricted', {}, spec)), 'restricted volume types (volumes "a", "b" use restricted volume type "hostPath")');
    assert.equal(violationsText(evaluate('baseline', {}, spec)), 'hostPath volumes (volumes "a", "b")');
  });

  it('namespace labels: levels parsed, bad values refused', () => {
    const p = policiesOf({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/warn-version': 'v1.30' });
    assert.deepEqual(p.enforce, { level: 'restricted', version: 'latest' });
    assert.deepEqual(p.warn, { level: 'baseline', version: 'v1.30' });
    assert.deepEqual(p.audit, { level: 'privileged', version: 'latest' });
    const errs = namespaceLabelErrors({ 'pod-security.kubernetes.io/enforce': 'strict' });
    assert.equal(errs[0].field, 'metadata.labels[pod-security.kubernetes.io/enforce]');
    assert.match(String(errs[0].detail), /must be one of privileged, baseline, restricted/);
  });
});
