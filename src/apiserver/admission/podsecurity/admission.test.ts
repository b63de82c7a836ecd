import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../machinery/status.js';
import type { AdmissionAttributes } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import { podSecurityPlugin } from './admission.js';

/** An in-memory LoopbackClient holding namespaces and pods. */
function fakeClient(namespaces: Record<string, Record<string, string>>, pods: any[] = []): LoopbackClient {
  return {
    async get(group, resource, _ns, name) {
      if (group === '' && resource === 'namespaces' && namespaces[name]) return { metadata: { name, labels: namespaces[name] } };
      return undefined;
    },
    async list(_g, resource, ns) { return resource === 'pods' ? pods.filter((p) => !ns || p.metadata.namespace === ns) : []; },
    async create() { throw new Error('not used'); },
    async update() { throw new Error('not used'); },
    async delete() { throw new Error('not used'); },
    onChange() { return () => {}; },
  };
}

const enforce = (level: string) => ({ 'pod-security.kubernetes.io/enforce': level });
const pod = (name: string, spec: any, meta: any = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', ...meta }, spec });
const privilegedPod = pod('x', { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] });
const plainPod = pod('plain', { containers: [{ name: 'c', image: 'nginx' }] });
const compliantSpec = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'c', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
};

function attrs(over: Partial<AdmissionAttributes>): AdmissionAttributes {
  return {
    operation: 'CREATE', group: '', version: 'v1', kind: 'Pod', resource: 'pods', subresource: '', namespace: 'ns', name: over.object?.metadata?.name ?? '',
    object: null, oldObject: null, dryRun: false, user: { name: 'alice', groups: [] }, warnings: [], auditAnnotations: {}, ...over,
  };
}

async function run(plugin: ReturnType<typeof podSecurityPlugin>, a: AdmissionAttributes): Promise<StatusError | undefined> {
  if (!plugin.handles(a)) return undefined;
  try { await plugin.validate!(a); } catch (e) { if (e instanceof StatusError) return e; throw e; }
  return undefined;
}

const RESTRICTED_PRIVILEGED = 'pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), '
  + 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
  + 'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
  + 'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
  + 'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

describe('PodSecurity admission', () => {
  it('refuses a privileged pod under enforce=restricted with Kubernetes\' exact message and records the policy', async () => {
    const plugin = podSecurityPlugin(fakeClient({ ns: enforce('restricted') }));
    assert.equal(plugin.name, 'PodSecurity');
    const a = attrs({ object: structuredClone(privilegedPod) });
    const err = await run(plugin, a);
    assert.ok(err);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, RESTRICTED_PRIVILEGED);
    assert.deepEqual(err.details, { name: 'x', group: undefined, kind: 'pods' });
    assert.equal(a.auditAnnotations!['pod-security.kubernetes.io/enforce-policy'], 'restricted:latest');
    assert.deepEqual(a.warnings, []);
  });

  it('baseline admits a plain pod but refuses hostNetwork', async () => {
    const plugin = podSecurityPlugin(fakeClient({ ns: enforce('baseline') }));
    assert.equal(await run(plugin, attrs({ object: structuredClone(plainPod) })), undefined);
    const err = await run(plugin, attrs({ object: pod('h', { hostNetwork: true, containers: [{ name: 'c', image: 'nginx' }] }) }));
    assert.equal(err?.message, 'pods "h" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)');
  });

  it('restricted admits a compliant pod', async () => {
    const plugin = podSecurityPlugin(fakeClient({ ns: enforce('restricted') }));
    const a = attrs({ object: pod('ok', compliantSpec) });
    assert.equal(await run(plugin, a), undefined);
    assert.deepEqual(a.warnings, []);
    assert.deepEqual(a.auditAnnotations, { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' });
  });

  it('a warn-only namespace admits with a warning; audit records the violation', async () => {
    const plugin = podSecurityPlugin(fakeClient({ ns: { 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/audit-version': 'v1.30' } }));
    const a = attrs({ object: structuredClone(privilegedPod) });
    assert.equal(await run(plugin, a), undefined);
    assert.deepEqual(a.warnings, ['would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)']);
    assert.match(a.auditAnnotations!['pod-security.kubernetes.io/audit-violations'], /^would violate PodSecurity "restricted:v1\.30": privileged \(container "c" must not set securityContext\.privileged=true\), allowPrivilegeEscalation != false/);
    assert.equal(a.auditAnnotations!['pod-security.kubernetes.io/enforce-policy'], 'privileged:latest');
  });

  it('a Deployment in an enforce=restricted namespace is admitted with a warning', async () => {
    const plugin = podSecurityPlugin(fakeClient({ ns: enforce('restricted') }));
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { metadata: {}, spec: structuredClone(privilegedPod.spec) } } };
    const a = attrs({ group: 'apps', kind: 'Deployment', resource: 'deployments', object: deploy });
    assert.equal(await run(plugin, a), undefined);
    assert.equal(a.warnings!.length, 1);
    assert.equal(a.warnings![0], RESTRICTED_PRIVILEGED.replace('pods "x" is forbidden: violates', 'would violate'));
    assert.equal(a.auditAnnotations!['pod-security.kubernetes.io/enforce-policy'], undefined);
    // CronJobs keep the template one level deeper.
    const cj = { metadata: { name: 'cj' }, spec: { jobTemplate: { spec: { template: { spec: { hostPID: true, containers: [{ name: 'c', image: 'x' }] } } } } } };
    const b = attrs({ group: 'batch', kind: 'CronJob', resource: 'cronjobs', object: cj });
    assert.equal(await run(podSecurityPlugin(fakeClient({ ns: enforce('baseline') })), b), undefined);
    assert.deepEqual(b.warnings, ['would violate PodSecurity "baseline:latest": host namespaces (hostPID=true)']);
  });

  it('refuses invalid namespace labels with 422', async () => {
    const plugin = podSecurityPlugin(fakeClient({}));
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bad', labels: { 'pod-security.kubernetes.io/enforce': 'foo' } } };
    const err = await run(plugin, attrs({ kind: 'Namespace', resource: 'namespaces', namespace: '', name: 'bad', object: ns }));
    assert.equal(err?.code, 422);
    assert.equal(err?.reason, 'Invalid');
    assert.equal(err?.message, 'Namespace "bad" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted');
    // An update that leaves the same bad labels alone is allowed.
    const upd = attrs({ operation: 'UPDATE', kind: 'Namespace', resource: 'namespaces', namespace: 'bad', name: 'bad', object: structuredClone(ns), oldObject: structuredClone(ns) });
    assert.equal(await run(plugin, upd), undefined);
    const ver = { ...ns, metadata: { name: 'bad', labels: { 'pod-security.kubernetes.io/warn-version': 'v2' } } };
    assert.equal((await run(plugin, attrs({ kind: 'Namespace', resource: 'namespaces', name: 'bad', object: ver })))?.message,
      'Namespace "bad" is invalid: metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "v2": must be "latest" or "v1.x"');
  });

  it('a stricter enforce label warns about existing pods', async () => {
    const owned = (name: string) => pod(name, structuredClone(plainPod.spec), { ownerReferences: [{ controller: true, uid: 'rs1', kind: 'ReplicaSet', name: 'rs' }] });
    const pods = [owned('web-b'), owned('web-a'), pod('ok', compliantSpec), structuredClone(privilegedPod)];
    const plugin = podSecurityPlugin(fakeClient({}, pods));
    const mk = (labels: any) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels } });
    const a = attrs({ operation: 'UPDATE', kind: 'Namespace', resource: 'namespaces', name: 'ns', object: mk(enforce('restricted')), oldObject: mk({}) });
    assert.equal(await run(plugin, a), undefined);
    assert.deepEqual(a.warnings, [
      'existing pods in namespace "ns" violate the new PodSecurity enforce level "restricted:latest"',
      'web-a (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
      'x: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    ]);
    // Relaxing the level checks nothing.
    const b = attrs({ operation: 'UPDATE', kind: 'Namespace', resource: 'namespaces', name: 'ns', object: mk(enforce('baseline')), oldObject: mk(enforce('restricted')) });
    assert.equal(await run(plugin, b), undefined);
    assert.deepEqual(b.warnings, []);
  });

  it('updates are checked only when they can change what the checks see', async () => {
    const plugin = podSecurityPlugin(fakeClient({ ns: enforce('baseline') }));
    const old = pod('p', { hostPID: true, containers: [{ name: 'c', image: 'nginx:1' }] });
    const labelsOnly = structuredClone(old); labelsOnly.metadata.labels = { a: 'b' };
    assert.equal(await run(plugin, attrs({ operation: 'UPDATE', name: 'p', object: labelsOnly, oldObject: old })), undefined);
    const image = structuredClone(old); image.spec.containers[0].image = 'nginx:2';
    assert.equal((await run(plugin, attrs({ operation: 'UPDATE', name: 'p', object: image, oldObject: old })))?.code, 403);
    // The status subresource is never checked; ephemeral containers are.
    assert.equal(await run(plugin, attrs({ operation: 'UPDATE', subresource: 'status', name: 'p', object: image, oldObject: old })), undefined);
    const okOld = pod('q', { containers: [{ name: 'c', image: 'nginx' }] });
    const debug = structuredClone(okOld); debug.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox', securityContext: { privileged: true } }];
    const err = await run(plugin, attrs({ operation: 'UPDATE', subresource: 'ephemeralcontainers', name: 'q', object: debug, oldObject: okOld }));
    assert.equal(err?.message, 'pods "q" is forbidden: violates PodSecurity "baseline:latest": privileged (container "dbg" must not set securityContext.privileged=true)');
  });

  it('exempt users, namespaces and runtime classes are not checked', async () => {
    const plugin = podSecurityPlugin(fakeClient({ ns: enforce('restricted'), sys: enforce('restricted') }),
      { exemptions: { usernames: ['system:serviceaccount:kube-system:daemon-set-controller'], namespaces: ['sys'], runtimeClasses: ['kata'] } });
    const u = attrs({ object: structuredClone(privilegedPod), user: { name: 'system:serviceaccount:kube-system:daemon-set-controller', groups: [] } });
    assert.equal(await run(plugin, u), undefined);
    assert.equal(u.auditAnnotations!['pod-security.kubernetes.io/exempt'], 'user');
    const n = attrs({ namespace: 'sys', object: structuredClone(privilegedPod) });
    assert.equal(await run(plugin, n), undefined);
    assert.equal(n.auditAnnotations!['pod-security.kubernetes.io/exempt'], 'namespace');
    const rc = structuredClone(privilegedPod); (rc.spec as any).runtimeClassName = 'kata';
    const r = attrs({ object: rc });
    assert.equal(await run(plugin, r), undefined);
    assert.equal(r.auditAnnotations!['pod-security.kubernetes.io/exempt'], 'runtimeClass');
    assert.equal((await run(plugin, attrs({ object: structuredClone(privilegedPod) })))?.code, 403);
    // Labelling an exempt namespace warns that the policy will be ignored.
    const ns = attrs({ kind: 'Namespace', resource: 'namespaces', name: 'sys', namespace: '', object: { metadata: { name: 'sys', labels: { ...enforce('baseline'), 'pod-security.kubernetes.io/audit': 'privileged' } } } });
    assert.equal(await run(plugin, ns), undefined);
    assert.deepEqual(ns.warnings, ['namespace "sys" is exempt from Pod Security, and the policy (enforce=baseline:latest) will be ignored']);
  });

  it('server defaults apply to unlabelled namespaces', async () => {
    const plugin = podSecurityPlugin(fakeClient({ ns: {} }), { defaults: { enforce: 'baseline', warn: 'restricted', warnVersion: 'v1.29' } });
    const a = attrs({ object: structuredClone(plainPod) });
    assert.equal(await run(plugin, a), undefined);
    assert.equal(a.warnings!.length, 1);
    assert.match(a.warnings![0], /^would violate PodSecurity "restricted:v1\.29": allowPrivilegeEscalation != false/);
    assert.equal((await run(plugin, attrs({ object: structuredClone(privilegedPod) })))?.message.startsWith('pods "x" is forbidden: violates PodSecurity "baseline:latest": privileged'), true);
  });

  it('handles only create and update of pods, namespaces and pod controllers', () => {
    const plugin = podSecurityPlugin(fakeClient({}));
    assert.equal(plugin.handles(attrs({ operation: 'DELETE' })), false);
    assert.equal(plugin.handles(attrs({ resource: 'configmaps' })), false);
    assert.equal(plugin.handles(attrs({ group: 'apps', resource: 'statefulsets' })), true);
    assert.equal(plugin.handles(attrs({ resource: 'replicationcontrollers' })), true);
  });
});
