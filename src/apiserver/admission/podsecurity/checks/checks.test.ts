import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appArmorProfile_1_0 } from './appArmorProfile.js';
import { capabilitiesBaseline_1_0 } from './capabilities_baseline.js';
import { hostNamespaces_1_0 } from './hostNamespaces.js';
import { hostPathVolumes_1_0 } from './hostPathVolumes.js';
import { hostPorts_1_0 } from './hostPorts.js';
import { privileged_1_0 } from './privileged.js';
import { procMount_1_0 } from './procMount.js';
import { seLinuxOptions } from './seLinuxOptions.js';
import { seccompProfileBaseline_1_0, seccompProfileBaseline_1_19 } from './seccompProfile_baseline.js';
import { sysctls } from './sysctls.js';
import { windowsHostProcess_1_0 } from './windowsHostProcess.js';
import { allowPrivilegeEscalation } from './allowPrivilegeEscalation.js';
import { capabilitiesRestricted_1_22 } from './capabilities_restricted.js';
import { restrictedVolumes_1_0 } from './restrictedVolumes.js';
import { runAsNonRoot_1_0 } from './runAsNonRoot.js';
import { runAsUser_1_23 } from './runAsUser.js';
import { seccompProfileRestricted_1_19, seccompProfile_restricted } from './seccompProfile_restricted.js';
import { goQuote } from './helpers.js';

const spec = (...cs: any[]) => ({ containers: cs });
const c = (name: string, securityContext?: any, extra: any = {}) => ({ name, image: 'x', ...(securityContext ? { securityContext } : {}), ...extra });
const latest = (ch: { versions: { minimumVersion: number; checkPod: any }[] }) => ch.versions[ch.versions.length - 1].checkPod;

describe('pod security checks', () => {
  it('privileged names every privileged container, init containers first', () => {
    assert.deepEqual(privileged_1_0({}, spec(c('a'))), { allowed: true });
    const s = { initContainers: [c('init', { privileged: true })], containers: [c('a', { privileged: true }), c('b', { privileged: false })] };
    assert.deepEqual(privileged_1_0({}, s), { allowed: false, forbiddenReason: 'privileged', forbiddenDetail: 'containers "init", "a" must not set securityContext.privileged=true' });
  });

  it('host namespaces, hostPath volumes and host ports', () => {
    assert.equal(hostNamespaces_1_0({}, { hostNetwork: true, hostIPC: true }).forbiddenDetail, 'hostNetwork=true, hostIPC=true');
    assert.equal(hostPathVolumes_1_0({}, { volumes: [{ name: 'h', hostPath: { path: '/' } }, { name: 'e', emptyDir: {} }] }).forbiddenDetail, 'volume "h"');
    const r = hostPorts_1_0({}, spec(c('a', undefined, { ports: [{ containerPort: 80, hostPort: 80 }, { containerPort: 1, hostPort: 10250 }] }), c('b', undefined, { ports: [{ containerPort: 80 }] })));
    assert.deepEqual([r.forbiddenReason, r.forbiddenDetail], ['hostPort', 'container "a" uses hostPorts 10250, 80']);
    const two = hostPorts_1_0({}, spec(c('a', undefined, { ports: [{ hostPort: 8080 }] }), c('b', undefined, { ports: [{ hostPort: 8080 }] })));
    assert.equal(two.forbiddenDetail, 'containers "a", "b" use hostPort 8080');
  });

  it('baseline capabilities allow the default set only', () => {
    assert.equal(capabilitiesBaseline_1_0({}, spec(c('a', { capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE'] } }))).allowed, true);
    const r = capabilitiesBaseline_1_0({}, spec(c('a', { capabilities: { add: ['SYS_ADMIN', 'NET_RAW'] } }), c('b', { capabilities: { add: ['NET_ADMIN'] } })));
    assert.deepEqual([r.forbiddenReason, r.forbiddenDetail], ['non-default capabilities', 'containers "a", "b" must not include "NET_ADMIN", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add']);
  });

  it('AppArmor: annotations and profile types', () => {
    assert.equal(appArmorProfile_1_0({ annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'localhost/p' } }, spec(c('a', { appArmorProfile: { type: 'RuntimeDefault' } }))).allowed, true);
    const r = appArmorProfile_1_0({ annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined' } },
      { securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [c('a', { appArmorProfile: { type: 'Unconfined' } })] });
    assert.equal(r.forbiddenReason, 'forbidden AppArmor profiles');
    assert.equal(r.forbiddenDetail, 'pod and container "a" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a=\\"unconfined\\""');
    assert.equal(appArmorProfile_1_0({}, spec(c('a', { appArmorProfile: { type: 'Unconfined' } }))).forbiddenReason, 'forbidden AppArmor profile');
  });

  it('SELinux: type limited, user and role forbidden; container_engine_t from v1.31', () => {
    const r = latest(seLinuxOptions)({}, { securityContext: { seLinuxOptions: { type: 'spc_t' } }, containers: [c('a', { seLinuxOptions: { user: 'u', role: 'r' } })] });
    assert.equal(r.forbiddenDetail, 'pod and container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set');
    const engine = spec(c('a', { seLinuxOptions: { type: 'container_engine_t', level: 's0:c1' } }));
    assert.equal(latest(seLinuxOptions)({}, engine).allowed, true);
    assert.equal(seLinuxOptions.versions[0].checkPod({}, engine).allowed, false);
  });

  it('procMount, hostProcess and sysctls', () => {
    assert.equal(procMount_1_0({}, spec(c('a', { procMount: 'Unmasked' }))).forbiddenDetail, 'container "a" must not set securityContext.procMount to "Unmasked"');
    assert.equal(procMount_1_0({}, spec(c('a', { procMount: 'Default' }))).allowed, true);
    assert.equal(windowsHostProcess_1_0({}, { securityContext: { windowsOptions: { hostProcess: true } }, containers: [c('a', { windowsOptions: { hostProcess: true } })] }).forbiddenDetail,
      'pod and container "a" must not set securityContext.windowsOptions.hostProcess=true');
    const s = { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '1' }, { name: 'kernel.msgmax', value: '1' }, { name: 'vm.swappiness', value: '1' }] }, containers: [] };
    assert.deepEqual(latest(sysctls)({}, s), { allowed: false, forbiddenReason: 'forbidden sysctls', forbiddenDetail: 'kernel.msgmax, vm.swappiness' });
    assert.equal(sysctls.versions[2].checkPod({}, s).forbiddenDetail, 'net.ipv4.tcp_rmem, kernel.msgmax, vm.swappiness');
  });

  it('seccomp: Unconfined forbidden at baseline, RuntimeDefault or Localhost required at restricted', () => {
    const un = { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [c('a', { seccompProfile: { type: 'Unconfined' } }), c('b')] };
    assert.equal(seccompProfileBaseline_1_19({}, un).forbiddenDetail, 'pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined"');
    assert.equal(seccompProfileBaseline_1_19({}, spec(c('a'))).allowed, true);
    assert.equal(seccompProfileRestricted_1_19({}, spec(c('a'), c('b', { seccompProfile: { type: 'Localhost', localhostProfile: 'p' } }))).forbiddenDetail,
      'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"');
    assert.equal(seccompProfileRestricted_1_19({}, { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [c('a')] }).allowed, true);
    assert.equal(seccompProfileBaseline_1_0({ annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } }, spec(c('a'))).forbiddenDetail,
      'forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"');
    assert.equal(latest(seccompProfile_restricted)({}, { os: { name: 'windows' }, containers: [c('a')] }).allowed, true);
  });

  it('allowPrivilegeEscalation and restricted capabilities', () => {
    const ape = latest(allowPrivilegeEscalation);
    assert.equal(ape({}, spec(c('a', { allowPrivilegeEscalation: true }), c('b'), c('ok', { allowPrivilegeEscalation: false }))).forbiddenDetail,
      'containers "a", "b" must set securityContext.allowPrivilegeEscalation=false');
    assert.equal(ape({}, { os: { name: 'windows' }, containers: [c('a')] }).allowed, true);
    const r = capabilitiesRestricted_1_22({}, spec(c('a'), c('b', { capabilities: { drop: ['ALL'], add: ['SYS_TIME', 'NET_BIND_SERVICE', 'CHOWN'] } }), c('ok', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })));
    assert.deepEqual([r.forbiddenReason, r.forbiddenDetail], ['unrestricted capabilities',
      'container "a" must set securityContext.capabilities.drop=["ALL"]; container "b" must not include "CHOWN", "SYS_TIME" in securityContext.capabilities.add']);
  });

  it('restricted volume types', () => {
    const r = restrictedVolumes_1_0({}, { volumes: [{ name: 'h', hostPath: { path: '/' } }, { name: 'n', nfs: { server: 's', path: '/' } }, { name: 'c', configMap: { name: 'x' } }, { name: 'i', image: { reference: 'x' } }] });
    assert.equal(r.forbiddenReason, 'restricted volume types');
    assert.equal(r.forbiddenDetail, 'volumes "h", "n", "i" use restricted volume types "hostPath", "nfs", "unknown"');
    assert.equal(restrictedVolumes_1_0({}, { volumes: [{ name: 'g', gitRepo: { repository: 'r' } }] }).forbiddenDetail, 'volume "g" uses restricted volume type "gitRepo"');
  });

  it('runAsNonRoot: explicit false before missing true', () => {
    assert.equal(runAsNonRoot_1_0({}, spec(c('a'), c('b', { runAsNonRoot: true }))).forbiddenDetail, 'pod or container "a" must set securityContext.runAsNonRoot=true');
    assert.equal(runAsNonRoot_1_0({}, { securityContext: { runAsNonRoot: false }, containers: [c('a', { runAsNonRoot: false }), c('b', { runAsNonRoot: false })] }).forbiddenDetail,
      'pod and containers "a", "b" must not set securityContext.runAsNonRoot=false');
    assert.equal(runAsNonRoot_1_0({}, { securityContext: { runAsNonRoot: true }, containers: [c('a')] }).allowed, true);
  });

  it('runAsUser=0', () => {
    assert.deepEqual(runAsUser_1_23({}, { securityContext: { runAsUser: 0 }, containers: [c('a', { runAsUser: 0 }), c('b', { runAsUser: 1000 })] }),
      { allowed: false, forbiddenReason: 'runAsUser=0', forbiddenDetail: 'pod and container "a" must not set runAsUser=0' });
  });

  it('quotes as Go does', () => {
    assert.equal(goQuote('a"b\\c\n\u0001é'), '"a\\"b\\\\c\\n\\x01é"');
  });
});
