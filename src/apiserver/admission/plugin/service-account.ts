/**
 * @module apiserver/admission/plugin/service-account
 * The ServiceAccount admission plugin: every pod runs as a service account (`default` unless it
 * names one), the account must exist, and unless automounting is turned off the pod gets a
 * projected `kube-api-access-*` volume (a bound token, the cluster CA and its namespace) mounted
 * at the path client libraries look in. Mirror pods, which the kubelet makes for static pods,
 * are left alone and may not reference accounts or secrets.
 */
import { randomInt } from 'node:crypto';
import { notFound } from '../../../machinery/status.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { isPod, newForbidden } from './errors.js';

export const defaultServiceAccountName = 'default';
export const defaultAPITokenMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
export const serviceAccountVolumeName = 'kube-api-access';
export const mirrorPodAnnotation = 'kubernetes.io/config.mirror';
/** The projected token lives 3607 s so kubelets can tell an admission-made token from others. */
export const defaultTokenExpirationSeconds = 3607;

/** names.SimpleNameGenerator's alphabet (no vowels, no confusable characters). */
const alphanums = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphanums[randomInt(alphanums.length)];
  return s;
}

export function apiAccessVolume(name: string): any {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: defaultTokenExpirationSeconds, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  };
}

export interface ServiceAccountOptions {
  /** How long to keep looking for an account the ServiceAccounts controller may not have made yet. */
  lookupTimeoutMs?: number;
  lookupIntervalMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function shouldAutomount(sa: any, pod: any): boolean {
  if (typeof pod.spec.automountServiceAccountToken === 'boolean') return pod.spec.automountServiceAccountToken;
  if (typeof sa?.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

function mountServiceAccountToken(pod: any): void {
  const spec = pod.spec;
  let volumeName = '';
  for (const v of spec.volumes ?? []) {
    if (typeof v.name === 'string' && v.name.startsWith(`${serviceAccountVolumeName}-`)) { volumeName = v.name; break; }
  }
  const hasVolume = volumeName !== '';
  if (!hasVolume) volumeName = `${serviceAccountVolumeName}-${randomSuffix()}`;
  let needsVolume = false;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    // Whatever the user mounted at the token path wins.
    if ((c.volumeMounts ?? []).some((m: any) => m.mountPath === defaultAPITokenMountPath)) continue;
    (c.volumeMounts ??= []).push({ name: volumeName, readOnly: true, mountPath: defaultAPITokenMountPath });
    needsVolume = true;
  }
  if (!hasVolume && needsVolume) (spec.volumes ??= []).push(apiAccessVolume(volumeName));
}

export function serviceAccountPlugin(client: LoopbackClient, opts: ServiceAccountOptions = {}): AdmissionPlugin {
  const timeout = opts.lookupTimeoutMs ?? 1000;
  const interval = opts.lookupIntervalMs ?? 100;

  async function getServiceAccount(ns: string, name: string): Promise<any | undefined> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const sa = await client.get('', 'serviceaccounts', ns, name);
      if (sa || Date.now() >= deadline) return sa;
      await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
    }
  }

  return {
    name: 'ServiceAccount',
    handles: (a) => a.operation === 'CREATE' && isPod(a) && !!a.namespace,
    async admit(a) {
      const pod = a.object;
      if (!pod?.spec || pod.metadata?.annotations?.[mirrorPodAnnotation] !== undefined) return;
      if (!pod.spec.serviceAccountName) pod.spec.serviceAccountName = pod.spec.serviceAccount || defaultServiceAccountName;
      pod.spec.serviceAccount = pod.spec.serviceAccountName;
      const name = pod.spec.serviceAccountName;
      const sa = await getServiceAccount(a.namespace, name);
      if (!sa) {
        throw newForbidden(a, `error looking up service account ${a.namespace}/${name}: ${notFound('', 'serviceaccount', name).message}`);
      }
      if (shouldAutomount(sa, pod)) mountServiceAccountToken(pod);
    },
    async validate(a) {
      const pod = a.object;
      if (!pod?.spec || pod.metadata?.annotations?.[mirrorPodAnnotation] === undefined) return;
      // A mirror pod is made by a kubelet from a file; it must not smuggle in API credentials.
      if (pod.spec.serviceAccountName) throw newForbidden(a, 'a mirror pod may not reference service accounts');
      for (const v of pod.spec.volumes ?? []) {
        if (v.secret) throw newForbidden(a, `a mirror pod may not reference secrets`);
        for (const s of v.projected?.sources ?? []) {
          if (s.secret) throw newForbidden(a, `a mirror pod may not reference secrets`);
          if (s.serviceAccountToken) throw newForbidden(a, 'a mirror pod may not use ServiceAccountToken volume projections');
        }
      }
    },
  };
}
