/**
 * End-to-end: PodSecurity admission through the real kubectl. A namespace labelled
 * `pod-security.kubernetes.io/enforce=restricted` refuses a privileged pod with the message
 * Kubernetes gives; warn mode admits with a Warning; workloads are only warned.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectlVersions, kubectl, kubectlOk } from '../support/kubectl.js';

const versions = kubectlVersions();
const bin = versions.find((v) => v.name.startsWith('dispatcher'))?.path ?? versions[0]?.path;
const ns = (name: string, labels: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const privileged = (name: string, n: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: n },
  spec: { containers: [{ name: 'shell', image: 'busybox', securityContext: { privileged: true } }] } });
const compliant = (name: string, n: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: n },
  spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'app', image: 'busybox', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] } });

describe('PodSecurity admission', { skip: bin ? false : 'no kubectl installed' }, () => {
  let srv: SkiffServer;
  const k = (args: string[], input?: string) => kubectlOk(bin!, srv.kubeconfig, args, input);
  const kr = (args: string[], input?: string) => kubectl(bin!, srv.kubeconfig, args, input);
  before(async () => { srv = await startSkiffServer(); });
  after(async () => { await srv?.stop(); });

  it('enforce=restricted refuses a privileged pod with Kubernetes\' message and admits a compliant one', async () => {
    await k(['apply', '-f', '-'], ns('secure', { 'pod-security.kubernetes.io/enforce': 'restricted' }));
    const r = await kr(['create', '-f', '-'], privileged('root-shell', 'secure'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /pods "root-shell" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "shell" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false \(container "shell" must set securityContext.allowPrivilegeEscalation=false\), unrestricted capabilities \(container "shell" must set securityContext.capabilities.drop=\["ALL"\]\), runAsNonRoot != true \(pod or container "shell" must set securityContext.runAsNonRoot=true\), seccompProfile \(pod or container "shell" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"\)/);
    const ok = await kr(['create', '-f', '-'], compliant('fine', 'secure'));
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('warn mode admits with a Warning; workloads in an enforcing namespace are warned, not refused', async () => {
    await k(['apply', '-f', '-'], ns('watched', { 'pod-security.kubernetes.io/warn': 'baseline' }));
    const w = await kr(['create', '-f', '-'], privileged('loud', 'watched'));
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stderr, /Warning: would violate PodSecurity "baseline:latest": privileged \(container "shell" must not set securityContext.privileged=true\)/);
    const dep = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'priv', namespace: 'secure' },
      spec: { selector: { matchLabels: { app: 'p' } }, template: { metadata: { labels: { app: 'p' } }, spec: JSON.parse(privileged('x', 'secure')).spec } } });
    const d = await kr(['create', '-f', '-'], dep);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, /Warning: would violate PodSecurity "restricted:latest": privileged/);
  });

  it('refuses invalid levels on namespaces, and warns when a stricter level meets existing pods', async () => {
    const bad = await kr(['label', 'namespace', 'watched', 'pod-security.kubernetes.io/enforce=strict']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /metadata.labels\[pod-security.kubernetes.io\/enforce\]: Invalid value: "strict": must be one of privileged, baseline, restricted/);
    const tighten = await kr(['label', 'namespace', 'watched', 'pod-security.kubernetes.io/enforce=baseline']);
    assert.equal(tighten.code, 0, tighten.stderr);
    assert.match(tighten.stderr, /existing pods in namespace "watched" violate the new PodSecurity enforce level "baseline:latest"/);
    assert.match(tighten.stderr, /loud: privileged/);
  });
});
