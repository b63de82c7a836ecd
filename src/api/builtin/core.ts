/**
 * @module api/builtin/core
 * The rest of core/v1: Namespace, Service, Endpoints, ConfigMap, Secret, ServiceAccount, Node,
 * Event, PersistentVolume(Claim), LimitRange, ResourceQuota, ReplicationController.
 */
import { define } from '../schema/registry.js';
import { obj, str, int32, bool, arr, mapOf, ref, quantity, intOrString, enumStr, bytes, setOf } from '../schema/builders.js';
import { CORE, META, free, kind } from './common.js';
import { defaultService, defaultPodSpec } from './defaults.js';

kind({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], subresources: { status: true },
  props: { spec: obj({ finalizers: setOf(str()) }), status: ref(`${CORE}.NamespaceStatus`) } });

define(`${CORE}.ServicePort`, obj({ appProtocol: str(), name: str(), nodePort: int32(), port: int32(), protocol: enumStr(['SCTP', 'TCP', 'UDP']), targetPort: intOrString() }, { required: ['port'] }));
define(`${CORE}.ServiceSpec`, obj({
  allocateLoadBalancerNodePorts: bool(), clusterIP: str(), clusterIPs: arr(str()), externalIPs: arr(str()), externalName: str(),
  externalTrafficPolicy: enumStr(['Cluster', 'Local']), healthCheckNodePort: int32(), internalTrafficPolicy: enumStr(['Cluster', 'Local']),
  ipFamilies: arr(str()), ipFamilyPolicy: enumStr(['PreferDualStack', 'RequireDualStack', 'SingleStack']), loadBalancerClass: str(), loadBalancerIP: str(),
  loadBalancerSourceRanges: arr(str()),
  ports: arr(ref(`${CORE}.ServicePort`), { mergeKey: 'port', listMapKeys: ['port', 'protocol'] }),
  publishNotReadyAddresses: bool(), selector: mapOf(str(), { description: 'Route service traffic to pods with label keys and values matching this selector.' }),
  sessionAffinity: enumStr(['ClientIP', 'None']), sessionAffinityConfig: obj({ clientIP: obj({ timeoutSeconds: int32() }) }),
  trafficDistribution: str(), type: enumStr(['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']),
}));
kind({ group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: { status: true },
  storagePrefix: 'services/specs', description: 'Service is a named abstraction of software service consisting of local port that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
  props: { spec: ref(`${CORE}.ServiceSpec`), status: ref(`${CORE}.ServiceStatus`) },
  defaulter: defaultService });
const epAddr = obj({ hostname: str(), ip: str(), nodeName: str(), targetRef: free() }, { required: ['ip'] });
kind({ group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'], storagePrefix: 'services/endpoints',
  props: { subsets: arr(obj({ addresses: arr(epAddr), notReadyAddresses: arr(epAddr), ports: arr(obj({ appProtocol: str(), name: str(), port: int32(), protocol: str() }, { required: ['port'] })) })) } });
kind({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'],
  props: { binaryData: mapOf(bytes()), data: mapOf(str()), immutable: bool() } });
kind({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true,
  props: { data: mapOf(bytes()), immutable: bool(), stringData: mapOf(str()), type: str() }, defaulter: (o) => { o.type ??= 'Opaque'; } });
kind({ group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'],
  extraSubresources: [{ name: 'token', kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] }],
  props: { automountServiceAccountToken: bool(), imagePullSecrets: arr(ref(`${CORE}.LocalObjectReference`)), secrets: arr(free(), { mergeKey: 'name' }) } });
define(`${CORE}.Taint`, obj({ effect: enumStr(['NoExecute', 'NoSchedule', 'PreferNoSchedule']), key: str(), timeAdded: ref(`${META}.Time`), value: str() }, { required: ['key', 'effect'] }));
kind({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], subresources: { status: true }, storagePrefix: 'minions',
  props: {
    spec: obj({ configSource: free(), externalID: str(), podCIDR: str(), podCIDRs: setOf(str()), providerID: str(), taints: arr(ref(`${CORE}.Taint`)), unschedulable: bool() }),
    status: ref(`${CORE}.NodeStatus`),
  } });
kind({ group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'],
  props: { action: str(), count: int32(), eventTime: ref(`${META}.MicroTime`), firstTimestamp: ref(`${META}.Time`), involvedObject: ref(`${CORE}.ObjectReference`),
    lastTimestamp: ref(`${META}.Time`), message: str(), reason: str(), related: ref(`${CORE}.ObjectReference`), reportingComponent: str(), reportingInstance: str(),
    series: obj({ count: int32(), lastObservedTime: ref(`${META}.MicroTime`) }), source: obj({ component: str(), host: str() }), type: str() },
  required: ['metadata', 'involvedObject'] });
define(`${CORE}.ObjectReference`, obj({ apiVersion: str(), fieldPath: str(), kind: str(), name: str(), namespace: str(), resourceVersion: str(), uid: str() }, { mapType: 'atomic' }));
const pvcSpec = obj({ accessModes: arr(str()), dataSource: free(), dataSourceRef: free(), resources: obj({ limits: mapOf(quantity()), requests: mapOf(quantity()) }),
  selector: ref(`${META}.LabelSelector`), storageClassName: str(), volumeAttributesClassName: str(), volumeMode: enumStr(['Block', 'Filesystem']), volumeName: str() });
define(`${CORE}.PersistentVolumeClaimSpec`, pvcSpec);
kind({ group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], subresources: { status: true },
  props: { spec: ref(`${CORE}.PersistentVolumeClaimSpec`), status: ref(`${CORE}.PersistentVolumeClaimStatus`) }, defaulter: (o) => { if (o.spec) o.spec.volumeMode ??= 'Filesystem'; } });
kind({ group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, shortNames: ['pv'], subresources: { status: true },
  props: { spec: obj({ accessModes: arr(str()), capacity: mapOf(quantity()), claimRef: ref(`${CORE}.ObjectReference`), hostPath: obj({ path: str(), type: str() }, { required: ['path'] }),
    local: obj({ fsType: str(), path: str() }, { required: ['path'] }), mountOptions: arr(str()), nfs: obj({ path: str(), readOnly: bool(), server: str() }),
    nodeAffinity: obj({ required: ref(`${CORE}.NodeSelector`) }), persistentVolumeReclaimPolicy: enumStr(['Delete', 'Recycle', 'Retain']),
    storageClassName: str(), volumeAttributesClassName: str(), volumeMode: enumStr(['Block', 'Filesystem']), csi: free() }), status: ref(`${CORE}.PersistentVolumeStatus`) },
  defaulter: (o) => { if (o.spec) { o.spec.persistentVolumeReclaimPolicy ??= 'Retain'; o.spec.volumeMode ??= 'Filesystem'; } } });
kind({ group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'],
  props: { spec: obj({ limits: arr(obj({ default: mapOf(quantity()), defaultRequest: mapOf(quantity()), max: mapOf(quantity()), maxLimitRequestRatio: mapOf(quantity()), min: mapOf(quantity()), type: str() }, { required: ['type'] })) }, { required: ['limits'] }) } });
kind({ group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota'], subresources: { status: true },
  props: { spec: obj({ hard: mapOf(quantity()), scopeSelector: free(), scopes: arr(str()) }), status: ref(`${CORE}.ResourceQuotaStatus`) } });
kind({ group: '', version: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', namespaced: true, shortNames: ['rc'], categories: ['all'],
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' } },
  props: { spec: obj({ minReadySeconds: int32(), replicas: int32(), selector: mapOf(str()), template: ref(`${CORE}.PodTemplateSpec`) }), status: ref(`${CORE}.ReplicationControllerStatus`) },
  defaulter: (o) => { if (o.spec) { o.spec.replicas ??= 1; if (o.spec.template?.spec) defaultPodSpec(o.spec.template.spec); } } });
