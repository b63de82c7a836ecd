/**
 * @module apiserver/admission/podsecurity/checks/restrictedVolumes
 * Restricted `restrictedVolumes` (replacing hostPathVolumes): only the volume types that carry no
 * node or network storage of their own: configMap, csi, downwardAPI, emptyDir, ephemeral,
 * persistentVolumeClaim, projected, secret.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, isSet, joinQuote, pluralize, sortedSet } from './helpers.js';

export const ALLOWED_VOLUME_TYPES: readonly string[] = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** The v1 volume sources Kubernetes names in the message; any other source is "unknown". */
const KNOWN_RESTRICTED_TYPES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume',
  'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'portworxVolume',
  'photonPersistentDisk', 'scaleIO', 'storageos',
];

export function restrictedVolumes_1_0(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const badVolumes: string[] = [];
  const badTypes: string[] = [];
  for (const v of Array.isArray(spec?.volumes) ? spec.volumes : []) {
    if (!v || typeof v !== 'object') continue;
    if (ALLOWED_VOLUME_TYPES.some((t) => isSet(v[t]))) continue;
    badVolumes.push(String(v.name ?? ''));
    badTypes.push(KNOWN_RESTRICTED_TYPES.find((t) => isSet(v[t])) ?? 'unknown');
  }
  if (!badVolumes.length) return ALLOWED;
  const types = sortedSet(badTypes);
  return forbidden('restricted volume types',
    `${pluralize('volume', 'volumes', badVolumes.length)} ${joinQuote(badVolumes)} ${pluralize('uses', 'use', badVolumes.length)} `
    + `${pluralize('restricted volume type', 'restricted volume types', types.length)} ${joinQuote(types)}`);
}

export const restrictedVolumes: Check = {
  id: 'restrictedVolumes', level: 'restricted',
  versions: [{ minimumVersion: 0, checkPod: restrictedVolumes_1_0, overrideCheckIDs: ['hostPathVolumes'] }],
};
