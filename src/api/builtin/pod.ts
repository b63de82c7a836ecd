/**
 * @module api/builtin/pod
 * core/v1 PodSpec, its volumes, affinity and tolerations, PodTemplateSpec, and the Pod kind.
 */
import { define } from '../schema/registry.js';
import { obj, str, int32, int64, bool, arr, mapOf, ref, quantity, enumStr, bytes } from '../schema/builders.js';
import { CORE, META, free, kind } from './common.js';
import { defaultPodSpec } from './defaults.js';

const keyToPath = obj({ key: str(), mode: int32(), path: str() }, { required: ['key', 'path'] });
define(`${CORE}.KeyToPath`, keyToPath);
define(`${CORE}.DownwardAPIVolumeFile`, obj({ fieldRef: ref(`${CORE}.ObjectFieldSelector`), mode: int32(), path: str(), resourceFieldRef: ref(`${CORE}.ResourceFieldSelector`) }, { required: ['path'] }));
define(`${CORE}.VolumeProjection`, obj({
  clusterTrustBundle: free(), configMap: obj({ items: arr(ref(`${CORE}.KeyToPath`)), name: str(), optional: bool() }),
  downwardAPI: obj({ items: arr(ref(`${CORE}.DownwardAPIVolumeFile`)) }), podCertificate: free(),
  secret: obj({ items: arr(ref(`${CORE}.KeyToPath`)), name: str(), optional: bool() }),
  serviceAccountToken: obj({ audience: str(), expirationSeconds: int64(), path: str() }, { required: ['path'] }),
}));
define(`${CORE}.Volume`, obj({
  name: str('Volume name, a DNS_LABEL unique within the pod.'),
  emptyDir: obj({ medium: str(), sizeLimit: quantity() }),
  hostPath: obj({ path: str(), type: enumStr(['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket']) }, { required: ['path'] }),
  configMap: obj({ defaultMode: int32(), items: arr(ref(`${CORE}.KeyToPath`)), name: str(), optional: bool() }),
  secret: obj({ defaultMode: int32(), items: arr(ref(`${CORE}.KeyToPath`)), optional: bool(), secretName: str() }),
  downwardAPI: obj({ defaultMode: int32(), items: arr(ref(`${CORE}.DownwardAPIVolumeFile`)) }),
  projected: obj({ defaultMode: int32(), sources: arr(ref(`${CORE}.VolumeProjection`)) }),
  persistentVolumeClaim: obj({ claimName: str(), readOnly: bool() }, { required: ['claimName'] }),
  nfs: obj({ path: str(), readOnly: bool(), server: str() }, { required: ['server', 'path'] }),
  csi: obj({ driver: str(), fsType: str(), nodePublishSecretRef: obj({ name: str() }), readOnly: bool(), volumeAttributes: mapOf(str()) }, { required: ['driver'] }),
  ephemeral: obj({ volumeClaimTemplate: free() }), image: obj({ pullPolicy: str(), reference: str() }),
  awsElasticBlockStore: free(), azureDisk: free(), azureFile: free(), cephfs: free(), cinder: free(), fc: free(), flexVolume: free(),
  flocker: free(), gcePersistentDisk: free(), gitRepo: free(), glusterfs: free(), iscsi: free(), photonPersistentDisk: free(),
  portworxVolume: free(), quobyte: free(), rbd: free(), scaleIO: free(), storageos: free(), vsphereVolume: free(),
}, { required: ['name'] }));

const selReq = obj({ key: str(), operator: enumStr(['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn']), values: arr(str()) }, { required: ['key', 'operator'] });
define(`${CORE}.NodeSelectorRequirement`, selReq);
define(`${CORE}.NodeSelectorTerm`, obj({ matchExpressions: arr(ref(`${CORE}.NodeSelectorRequirement`)), matchFields: arr(ref(`${CORE}.NodeSelectorRequirement`)) }, { mapType: 'atomic' }));
define(`${CORE}.NodeSelector`, obj({ nodeSelectorTerms: arr(ref(`${CORE}.NodeSelectorTerm`)) }, { required: ['nodeSelectorTerms'], mapType: 'atomic' }));
define(`${CORE}.PodAffinityTerm`, obj({
  labelSelector: ref(`${META}.LabelSelector`), matchLabelKeys: arr(str()), mismatchLabelKeys: arr(str()),
  namespaceSelector: ref(`${META}.LabelSelector`), namespaces: arr(str()), topologyKey: str(),
}, { required: ['topologyKey'] }));
define(`${CORE}.WeightedPodAffinityTerm`, obj({ podAffinityTerm: ref(`${CORE}.PodAffinityTerm`), weight: int32() }, { required: ['weight', 'podAffinityTerm'] }));
const podAff = obj({ preferredDuringSchedulingIgnoredDuringExecution: arr(ref(`${CORE}.WeightedPodAffinityTerm`)), requiredDuringSchedulingIgnoredDuringExecution: arr(ref(`${CORE}.PodAffinityTerm`)) });
define(`${CORE}.Affinity`, obj({
  nodeAffinity: obj({
    preferredDuringSchedulingIgnoredDuringExecution: arr(obj({ preference: ref(`${CORE}.NodeSelectorTerm`), weight: int32() }, { required: ['weight', 'preference'] })),
    requiredDuringSchedulingIgnoredDuringExecution: ref(`${CORE}.NodeSelector`),
  }),
  podAffinity: podAff, podAntiAffinity: podAff,
}));
define(`${CORE}.Toleration`, obj({ effect: enumStr(['NoExecute', 'NoSchedule', 'PreferNoSchedule']), key: str(), operator: enumStr(['Equal', 'Exists']), tolerationSeconds: int64(), value: str() }));
define(`${CORE}.TopologySpreadConstraint`, obj({
  labelSelector: ref(`${META}.LabelSelector`), matchLabelKeys: arr(str()), maxSkew: int32(), minDomains: int32(), nodeAffinityPolicy: str(),
  nodeTaintsPolicy: str(), topologyKey: str(), whenUnsatisfiable: enumStr(['DoNotSchedule', 'ScheduleAnyway']),
}, { required: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'] }));
define(`${CORE}.PodSecurityContext`, obj({
  appArmorProfile: ref(`${CORE}.AppArmorProfile`), fsGroup: int64(), fsGroupChangePolicy: str(), runAsGroup: int64(), runAsNonRoot: bool(), runAsUser: int64(),
  seLinuxChangePolicy: str(), seLinuxOptions: ref(`${CORE}.SELinuxOptions`), seccompProfile: ref(`${CORE}.SeccompProfile`), supplementalGroups: arr(int64()),
  supplementalGroupsPolicy: str(), sysctls: arr(obj({ name: str(), value: str() }, { required: ['name', 'value'] })), windowsOptions: ref(`${CORE}.WindowsSecurityContextOptions`),
}));
define(`${CORE}.LocalObjectReference`, obj({ name: str() }, { mapType: 'atomic' }));

define(`${CORE}.PodSpec`, obj({
  activeDeadlineSeconds: int64(), affinity: ref(`${CORE}.Affinity`), automountServiceAccountToken: bool(),
  containers: arr(ref(`${CORE}.Container`), { mergeKey: 'name', description: 'List of containers belonging to the pod.' }),
  dnsConfig: obj({ nameservers: arr(str()), options: arr(obj({ name: str(), value: str() })), searches: arr(str()) }),
  dnsPolicy: enumStr(['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']), enableServiceLinks: bool(),
  ephemeralContainers: arr(ref(`${CORE}.EphemeralContainer`), { mergeKey: 'name' }),
  hostAliases: arr(obj({ hostnames: arr(str()), ip: str() }, { required: ['ip'] }), { mergeKey: 'ip' }),
  hostIPC: bool(), hostNetwork: bool(), hostPID: bool(), hostUsers: bool(), hostname: str(),
  imagePullSecrets: arr(ref(`${CORE}.LocalObjectReference`), { mergeKey: 'name' }),
  initContainers: arr(ref(`${CORE}.Container`), { mergeKey: 'name' }),
  nodeName: str(), nodeSelector: mapOf(str(), { description: 'NodeSelector is a selector which must be true for the pod to fit on a node.' }),
  os: obj({ name: str() }, { required: ['name'] }), overhead: mapOf(quantity()), preemptionPolicy: str(), priority: int32(), priorityClassName: str(),
  readinessGates: arr(obj({ conditionType: str() }, { required: ['conditionType'] })),
  resourceClaims: arr(obj({ name: str(), resourceClaimName: str(), resourceClaimTemplateName: str() }, { required: ['name'] }), { mergeKey: 'name', patchStrategy: 'merge,retainKeys' }),
  resources: ref(`${CORE}.ResourceRequirements`), restartPolicy: enumStr(['Always', 'Never', 'OnFailure']), runtimeClassName: str(),
  schedulerName: str(), schedulingGates: arr(obj({ name: str() }, { required: ['name'] }), { mergeKey: 'name' }),
  securityContext: ref(`${CORE}.PodSecurityContext`), serviceAccount: str(), serviceAccountName: str(), setHostnameAsFQDN: bool(),
  shareProcessNamespace: bool(), subdomain: str(), terminationGracePeriodSeconds: int64(),
  tolerations: arr(ref(`${CORE}.Toleration`)),
  topologySpreadConstraints: arr(ref(`${CORE}.TopologySpreadConstraint`), { mergeKey: 'topologyKey', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] }),
  volumes: arr(ref(`${CORE}.Volume`), { mergeKey: 'name', patchStrategy: 'merge,retainKeys' }),
}, { required: ['containers'], description: 'PodSpec is a description of a pod.' }));

define(`${CORE}.PodTemplateSpec`, obj({ metadata: ref(`${META}.ObjectMeta`), spec: ref(`${CORE}.PodSpec`) }, { description: 'PodTemplateSpec describes the data a pod should have when created from a template' }));
define(`${CORE}.PodCondition`, obj({ lastProbeTime: ref(`${META}.Time`), lastTransitionTime: ref(`${META}.Time`), message: str(), observedGeneration: int64(), reason: str(), status: str(), type: str() }, { required: ['type', 'status'] }));

kind({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: { status: true },
  description: 'Pod is a collection of containers that can run on a host.',
  props: { spec: ref(`${CORE}.PodSpec`), status: ref(`${CORE}.PodStatus`) },
  defaulter: (o) => { if (o.spec) defaultPodSpec(o.spec); } });
kind({ group: '', version: 'v1', kind: 'PodTemplate', plural: 'podtemplates', namespaced: true, props: { template: ref(`${CORE}.PodTemplateSpec`) },
  defaulter: (o) => { if (o.template?.spec) defaultPodSpec(o.template.spec); } });
void bytes;
