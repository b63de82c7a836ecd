/**
 * End-to-end: `skiff server --storage etcd://...` on a real 3-member etcd cluster, driven by the
 * real kubectl; the server keeps serving after the etcd leader is killed.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startEtcdCluster } from '../support/etcd-cluster.js';
import { startSkiffServer } from '../support/skiff-server.js';
import { kubectlVersions, kubectlOk } from '../support/kubectl.js';

const hasEtcd = existsSync('/usr/bin/etcd');
const kubectlBin = kubectlVersions().at(-1)?.path;

it('serves kubectl from etcd and survives the etcd leader being killed', { skip: !hasEtcd || !kubectlBin ? 'etcd or kubectl not installed' : false, timeout: 120_000 }, async () => {
  const cluster = await startEtcdCluster(3);
  try {
    const endpoints = cluster.endpoints.map((e: string) => e.replace(/^https?:\/\//, '')).join(',');
    const srv = await startSkiffServer({ args: ['--storage', `etcd://${endpoints}`] });
    try {
      const k = (args: string[], input?: string) => kubectlOk(kubectlBin!, srv.kubeconfig, args, input);
      await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: on-etcd\n');
      await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before\n  namespace: on-etcd\ndata:\n  a: "1"\n');
      const leader = await cluster.leader();
      await cluster.kill(leader);
      // Writes may stall while a new leader is elected; kubectl's own retry is not relied on.
      const deadline = Date.now() + 30_000;
      for (;;) {
        try { await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after\n  namespace: on-etcd\ndata:\n  b: "2"\n'); break; } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      const names = (await k(['-n', 'on-etcd', 'get', 'configmaps', '-o', 'name', '--field-selector', 'metadata.name!=kube-root-ca.crt'])).trim().split('\n').sort();
      assert.deepEqual(names, ['configmap/after', 'configmap/before']);
    } finally { await srv.stop(); }
  } finally { await cluster.stop(); }
});
