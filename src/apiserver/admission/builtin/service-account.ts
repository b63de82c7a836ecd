/**
 * @module apiserver/admission/builtin/service-account
 * ServiceAccount: a pod runs as a ServiceAccount (`default` unless it names one), which must
 * exist; unless automounting is off, the pod gets the projected `kube-api-access-*` volume (a
 * bound token, the cluster CA from kube-root-ca.crt, its namespace) mounted where client
 * libraries look for it.
 */
import { randomInt } from 'node:crypto';
import { forbidden } from '../../../machinery/status.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { isPodCreate, podName } from './pods.js';

export const SA_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const ALNUM = 'bcdfghjklmnpqrstvwxz2456789';

export function serviceAccountPlugin(client: LoopbackClient, waitMs = 1000): AdmissionPlugin {
  async function lookup(ns: string, name: string): Promise<any> {
    // The ServiceAccounts controller may not have made `default` in a brand new namespace yet.
    const deadline = Date.now() + waitMs;
    for (;;) {
      const sa = await client.get('', 'serviceaccounts', ns, name);
      if (sa || Date.now() >= deadline) return sa;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    name: 'ServiceAccount',
    handles: isPodCreate,
    async admit(a) {
      const pod = a.object;
      const spec = pod?.spec;
      if (!spec || pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined) return;
      const name = spec.serviceAccountName || spec.serviceAccount || 'default';
      spec.serviceAccountName = name;
      spec.serviceAccount = name;
      const sa = await lookup(a.namespace, name);
      if (!sa) throw forbidden(`pods "${podName(a)}" is forbidden: error looking up service account ${a.namespace}/${name}: serviceaccount "${name}" not found`, { name: podName(a), kind: 'pods' });
      const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
      if (!automount) return;
      const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
      if (containers.length && containers.every((c: any) => (c.volumeMounts ?? []).some((m: any) => m.mountPath === SA_MOUNT_PATH))) return;
      const vol = `kube-api-access-${Array.from({ length: 5 }, () => ALNUM[randomInt(ALNUM.length)]).join('')}`;
      spec.volumes = [...(spec.volumes ?? []), { name: vol, projected: { defaultMode: 420, sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ] } }];
      for (const c of containers) {
        if ((c.volumeMounts ?? []).some((m: any) => m.mountPath === SA_MOUNT_PATH)) continue;
        c.volumeMounts = [...(c.volumeMounts ?? []), { name: vol, readOnly: true, mountPath: SA_MOUNT_PATH }];
      }
    },
  };
}
