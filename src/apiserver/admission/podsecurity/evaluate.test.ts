import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, forbiddenDetail, forbiddenReason } from './evaluate.js';
import { LATEST, type Level } from './levels.js';

const lv = (level: Level, version = LATEST) => ({ level, version });
const plain = { containers: [{ name: 'c', image: 'x' }] };
const compliant = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'c', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
};

describe('pod security evaluation', () => {
  it('privileged allows anything; baseline allows a plain pod; restricted lists what is missing in order', () => {
    assert.equal(evaluate(lv('privileged'), {}, { hostNetwork: true, containers: [] }).allowed, true);
    assert.equal(evaluate(lv('baseline'), {}, plain).allowed, true);
    const r = evaluate(lv('restricted'), {}, plain);
    assert.equal(forbiddenReason(r), 'allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile');
    assert.equal(evaluate(lv('restricted'), {}, compliant).allowed, true);
  });

  it('restricted checks replace the baseline ones they override', () => {
    const s = { ...compliant, hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/' } }] };
    assert.equal(forbiddenDetail(evaluate(lv('baseline'), {}, s)), 'host namespaces (hostNetwork=true), hostPath volumes (volume "h")');
    assert.equal(forbiddenDetail(evaluate(lv('restricted'), {}, s)), 'host namespaces (hostNetwork=true), restricted volume types (volume "h" uses restricted volume type "hostPath")');
  });

  it('older policy versions leave out newer checks', () => {
    const root = { ...compliant, securityContext: { ...compliant.securityContext, runAsUser: 0 } };
    assert.equal(forbiddenReason(evaluate(lv('restricted'), {}, root)), 'runAsUser=0');
    assert.equal(evaluate(lv('restricted', 22), {}, root).allowed, true);
    const rmem = { containers: [], securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '1' }] } };
    assert.equal(evaluate(lv('baseline'), {}, rmem).allowed, true);
    assert.equal(evaluate(lv('baseline', 40), {}, rmem).allowed, true);
    assert.equal(evaluate(lv('baseline', 31), {}, rmem).allowed, false);
    // Before v1.22, restricted used the baseline capabilities check.
    assert.equal(forbiddenReason(evaluate(lv('restricted', 21), {}, plain)), 'allowPrivilegeEscalation != false, runAsNonRoot != true, seccompProfile');
  });
});
