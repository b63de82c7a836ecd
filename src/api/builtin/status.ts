/**
 * @module api/builtin/status
 * The `status` blocks of the built-in kinds (Pod, Node, Service, Namespace, PersistentVolume(Claim),
 * ReplicationController, ResourceQuota, the apps and batch workloads, PodDisruptionBudget, Ingress),
 * under Kubernetes' definition names. Kubelets and controllers write these through the status
 * subresource; describing them lets status writes be type-checked, lets strategic merge patch and
 * server-side apply merge their lists by the keys Kubernetes uses, and puts them in the OpenAPI
 * documents. `required` is kept to the keys that identify list elements and conditions: the real
 * apiserver decodes status into Go structs and never enforces the rest, so neither may we.
 */
import { define } from '../schema/registry.js';
import { obj, str, int32, int64, bool, arr, mapOf, ref, quantity, enumStr } from '../schema/builders.js';
import type { Schema } from '../schema/types.js';
import { CORE, META } from './common.js';

const APPS = 'io.k8s.api.apps.v1';
const BATCH = 'io.k8s.api.batch.v1';
const time = ref(`${META}.Time`);
const quantities = mapOf(quantity());
/** Conditions merged by type under both strategic merge patch and server-side apply. */
const conditionsOf = (def: string, description?: string) => arr(ref(def), { mergeKey: 'type', description });
/** The usual controller condition: type, status, transition time, reason, message. */
const condition = (description: string, extra: Record<string, Schema> = {}) => obj(
  { lastTransitionTime: time, message: str(), reason: str(), status: str(), type: str(), ...extra }, { required: ['type', 'status'], description });

// core/v1 Pod: container states and statuses, as the kubelet reports them.
define(`${CORE}.ContainerStateWaiting`, obj({ message: str(), reason: str() }, { description: 'ContainerStateWaiting is a waiting state of a container.' }));
define(`${CORE}.ContainerStateRunning`, obj({ startedAt: time }, { description: 'ContainerStateRunning is a running state of a container.' }));
define(`${CORE}.ContainerStateTerminated`, obj({
  containerID: str(), exitCode: int32(), finishedAt: time, message: str(), reason: str(), signal: int32(), startedAt: time,
}, { description: 'ContainerStateTerminated is a terminated state of a container.' }));
define(`${CORE}.ContainerState`, obj({
  running: ref(`${CORE}.ContainerStateRunning`), terminated: ref(`${CORE}.ContainerStateTerminated`), waiting: ref(`${CORE}.ContainerStateWaiting`),
}, { description: 'ContainerState holds a possible state of container. Only one of its members may be specified. If none of them is specified, the default one is ContainerStateWaiting.' }));
define(`${CORE}.VolumeMountStatus`, obj({ mountPath: str(), name: str(), readOnly: bool(), recursiveReadOnly: str() }, { required: ['name', 'mountPath'] }));
define(`${CORE}.LinuxContainerUser`, obj({ gid: int64(), supplementalGroups: arr(int64()), uid: int64() }));
define(`${CORE}.ContainerUser`, obj({ linux: ref(`${CORE}.LinuxContainerUser`) }));
define(`${CORE}.ResourceHealth`, obj({ health: str(), resourceID: str() }, { required: ['resourceID'] }));
define(`${CORE}.ResourceStatus`, obj({
  name: str(), resources: arr(ref(`${CORE}.ResourceHealth`), { listType: 'map', listMapKeys: ['resourceID'] }),
}, { required: ['name'] }));
define(`${CORE}.ContainerStatus`, obj({
  allocatedResources: quantities, allocatedResourcesStatus: arr(ref(`${CORE}.ResourceStatus`), { mergeKey: 'name' }),
  containerID: str(), image: str(), imageID: str(), lastState: ref(`${CORE}.ContainerState`), name: str(), ready: bool(),
  resources: ref(`${CORE}.ResourceRequirements`), restartCount: int32(), started: bool(), state: ref(`${CORE}.ContainerState`), stopSignal: str(),
  user: ref(`${CORE}.ContainerUser`), volumeMounts: arr(ref(`${CORE}.VolumeMountStatus`), { mergeKey: 'mountPath' }),
}, { required: ['name'], description: 'ContainerStatus contains details for the current status of this container.' }));
define(`${CORE}.HostIP`, obj({ ip: str() }, { required: ['ip'] }));
define(`${CORE}.PodIP`, obj({ ip: str() }, { required: ['ip'] }));
define(`${CORE}.PodResourceClaimStatus`, obj({ name: str(), resourceClaimName: str() }, { required: ['name'] }));
define(`${CORE}.ContainerExtendedResourceRequest`, obj({ containerName: str(), requestName: str(), resourceName: str() }, { required: ['containerName', 'resourceName', 'requestName'] }));
define(`${CORE}.PodExtendedResourceClaimStatus`, obj({
  requestMappings: arr(ref(`${CORE}.ContainerExtendedResourceRequest`)), resourceClaimName: str(),
}, { required: ['requestMappings', 'resourceClaimName'] }));
// PodCondition is defined beside PodSpec (pod.ts).
define(`${CORE}.PodStatus`, obj({
  conditions: conditionsOf(`${CORE}.PodCondition`, 'Current service state of pod.'),
  containerStatuses: arr(ref(`${CORE}.ContainerStatus`)),
  ephemeralContainerStatuses: arr(ref(`${CORE}.ContainerStatus`)),
  extendedResourceClaimStatus: ref(`${CORE}.PodExtendedResourceClaimStatus`),
  hostIP: str(), hostIPs: arr(ref(`${CORE}.HostIP`), { mergeKey: 'ip', listType: 'atomic' }),
  initContainerStatuses: arr(ref(`${CORE}.ContainerStatus`)),
  message: str(), nominatedNodeName: str(), observedGeneration: int64(),
  phase: enumStr(['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown']),
  podIP: str(), podIPs: arr(ref(`${CORE}.PodIP`), { mergeKey: 'ip', listType: 'atomic' }),
  qosClass: enumStr(['BestEffort', 'Burstable', 'Guaranteed']), reason: str(), resize: str(),
  resourceClaimStatuses: arr(ref(`${CORE}.PodResourceClaimStatus`), { mergeKey: 'name', patchStrategy: 'merge,retainKeys' }),
  startTime: time,
}, { description: 'PodStatus represents information about the status of a pod. Status may trail the actual state of a system, especially if the node that hosts the pod cannot contact the control plane.' }));

// core/v1 Node.
define(`${CORE}.NodeAddress`, obj({ address: str(), type: str() }, { required: ['type', 'address'] }));
define(`${CORE}.NodeCondition`, condition('NodeCondition contains condition information for a node.', { lastHeartbeatTime: time }));
define(`${CORE}.DaemonEndpoint`, obj({ Port: int32() }, { required: ['Port'] }));
define(`${CORE}.NodeDaemonEndpoints`, obj({ kubeletEndpoint: ref(`${CORE}.DaemonEndpoint`) }));
define(`${CORE}.NodeSwapStatus`, obj({ capacity: int64() }));
define(`${CORE}.NodeSystemInfo`, obj({
  architecture: str(), bootID: str(), containerRuntimeVersion: str(), kernelVersion: str(), kubeProxyVersion: str(), kubeletVersion: str(),
  machineID: str(), operatingSystem: str(), osImage: str(), swap: ref(`${CORE}.NodeSwapStatus`), systemUUID: str(),
}, { description: 'NodeSystemInfo is a set of ids/uuids to uniquely identify the node.' }));
define(`${CORE}.ContainerImage`, obj({ names: arr(str()), sizeBytes: int64() }));
define(`${CORE}.AttachedVolume`, obj({ devicePath: str(), name: str() }, { required: ['name', 'devicePath'] }));
define(`${CORE}.ConfigMapNodeConfigSource`, obj({ kubeletConfigKey: str(), name: str(), namespace: str(), resourceVersion: str(), uid: str() }, { required: ['namespace', 'name', 'kubeletConfigKey'] }));
define(`${CORE}.NodeConfigSource`, obj({ configMap: ref(`${CORE}.ConfigMapNodeConfigSource`) }));
define(`${CORE}.NodeConfigStatus`, obj({
  active: ref(`${CORE}.NodeConfigSource`), assigned: ref(`${CORE}.NodeConfigSource`), error: str(), lastKnownGood: ref(`${CORE}.NodeConfigSource`),
}));
define(`${CORE}.NodeRuntimeHandlerFeatures`, obj({ recursiveReadOnlyMounts: bool(), userNamespaces: bool() }));
define(`${CORE}.NodeRuntimeHandler`, obj({ features: ref(`${CORE}.NodeRuntimeHandlerFeatures`), name: str() }));
define(`${CORE}.NodeFeatures`, obj({ supplementalGroupsPolicy: bool() }));
define(`${CORE}.NodeStatus`, obj({
  // Dual-stack nodes report two addresses of one type: merged by type under SMP, atomic under apply.
  addresses: arr(ref(`${CORE}.NodeAddress`), { mergeKey: 'type', listType: 'atomic' }),
  allocatable: quantities, capacity: quantities,
  conditions: conditionsOf(`${CORE}.NodeCondition`), config: ref(`${CORE}.NodeConfigStatus`), daemonEndpoints: ref(`${CORE}.NodeDaemonEndpoints`),
  features: ref(`${CORE}.NodeFeatures`), images: arr(ref(`${CORE}.ContainerImage`)), nodeInfo: ref(`${CORE}.NodeSystemInfo`),
  phase: enumStr(['Pending', 'Running', 'Terminated']), runtimeHandlers: arr(ref(`${CORE}.NodeRuntimeHandler`)),
  volumesAttached: arr(ref(`${CORE}.AttachedVolume`)), volumesInUse: arr(str()),
}, { description: 'NodeStatus is information about the current status of a node.' }));

// core/v1 Service, Namespace, PersistentVolume(Claim), ReplicationController, ResourceQuota.
define(`${CORE}.PortStatus`, obj({ error: str(), port: int32(), protocol: str() }, { required: ['port', 'protocol'] }));
define(`${CORE}.LoadBalancerIngress`, obj({ hostname: str(), ip: str(), ipMode: str(), ports: arr(ref(`${CORE}.PortStatus`)) }));
define(`${CORE}.LoadBalancerStatus`, obj({ ingress: arr(ref(`${CORE}.LoadBalancerIngress`)) }, { description: 'LoadBalancerStatus represents the status of a load-balancer.' }));
define(`${CORE}.ServiceStatus`, obj({
  conditions: conditionsOf(`${META}.Condition`, 'Current service state'), loadBalancer: ref(`${CORE}.LoadBalancerStatus`),
}, { description: 'ServiceStatus represents the current status of a service.' }));
define(`${CORE}.NamespaceCondition`, condition('NamespaceCondition contains details about state of namespace.'));
define(`${CORE}.NamespaceStatus`, obj({
  conditions: conditionsOf(`${CORE}.NamespaceCondition`), phase: enumStr(['Active', 'Terminating']),
}, { description: 'NamespaceStatus is information about the current status of a Namespace.' }));
define(`${CORE}.PersistentVolumeClaimCondition`, condition('PersistentVolumeClaimCondition contains details about state of pvc', { lastProbeTime: time }));
define(`${CORE}.ModifyVolumeStatus`, obj({ status: str(), targetVolumeAttributesClassName: str() }, { required: ['status'] }));
define(`${CORE}.PersistentVolumeClaimStatus`, obj({
  accessModes: arr(str()), allocatedResourceStatuses: { ...mapOf(str()), 'x-kubernetes-map-type': 'granular' }, allocatedResources: quantities,
  capacity: quantities, conditions: conditionsOf(`${CORE}.PersistentVolumeClaimCondition`), currentVolumeAttributesClassName: str(),
  modifyVolumeStatus: ref(`${CORE}.ModifyVolumeStatus`), phase: enumStr(['Bound', 'Lost', 'Pending']),
}, { description: 'PersistentVolumeClaimStatus is the current status of a persistent volume claim.' }));
define(`${CORE}.PersistentVolumeStatus`, obj({
  lastPhaseTransitionTime: time, message: str(), phase: enumStr(['Available', 'Bound', 'Failed', 'Pending', 'Released']), reason: str(),
}, { description: 'PersistentVolumeStatus is the current status of a persistent volume.' }));
define(`${CORE}.ReplicationControllerCondition`, condition('ReplicationControllerCondition describes the state of a replication controller at a certain point.'));
define(`${CORE}.ReplicationControllerStatus`, obj({
  availableReplicas: int32(), conditions: conditionsOf(`${CORE}.ReplicationControllerCondition`), fullyLabeledReplicas: int32(),
  observedGeneration: int64(), readyReplicas: int32(), replicas: int32(),
}, { description: 'ReplicationControllerStatus represents the current status of a replication controller.' }));
define(`${CORE}.ResourceQuotaStatus`, obj({ hard: quantities, used: quantities }, { description: 'ResourceQuotaStatus defines the enforced hard limits and observed use.' }));

// apps/v1.
define(`${APPS}.DeploymentCondition`, condition('DeploymentCondition describes the state of a deployment at a certain point.', { lastUpdateTime: time }));
define(`${APPS}.DeploymentStatus`, obj({
  availableReplicas: int32(), collisionCount: int32(), conditions: conditionsOf(`${APPS}.DeploymentCondition`), observedGeneration: int64(),
  readyReplicas: int32(), replicas: int32(), terminatingReplicas: int32(), unavailableReplicas: int32(), updatedReplicas: int32(),
}, { description: 'DeploymentStatus is the most recently observed status of the Deployment.' }));
define(`${APPS}.ReplicaSetCondition`, condition('ReplicaSetCondition describes the state of a replica set at a certain point.'));
define(`${APPS}.ReplicaSetStatus`, obj({
  availableReplicas: int32(), conditions: conditionsOf(`${APPS}.ReplicaSetCondition`), fullyLabeledReplicas: int32(), observedGeneration: int64(),
  readyReplicas: int32(), replicas: int32(), terminatingReplicas: int32(),
}, { description: 'ReplicaSetStatus represents the current status of a ReplicaSet.' }));
define(`${APPS}.StatefulSetCondition`, condition('StatefulSetCondition describes the state of a statefulset at a certain point.'));
define(`${APPS}.StatefulSetStatus`, obj({
  availableReplicas: int32(), collisionCount: int32(), conditions: conditionsOf(`${APPS}.StatefulSetCondition`), currentReplicas: int32(),
  currentRevision: str(), observedGeneration: int64(), readyReplicas: int32(), replicas: int32(), updateRevision: str(), updatedReplicas: int32(),
}, { description: 'StatefulSetStatus represents the current state of a StatefulSet.' }));
define(`${APPS}.DaemonSetCondition`, condition('DaemonSetCondition describes the state of a DaemonSet at a certain point.'));
define(`${APPS}.DaemonSetStatus`, obj({
  collisionCount: int32(), conditions: conditionsOf(`${APPS}.DaemonSetCondition`), currentNumberScheduled: int32(), desiredNumberScheduled: int32(),
  numberAvailable: int32(), numberMisscheduled: int32(), numberReady: int32(), numberUnavailable: int32(), observedGeneration: int64(),
  updatedNumberScheduled: int32(),
}, { description: 'DaemonSetStatus represents the current status of a daemon set.' }));

// batch/v1. Job conditions merge by type under SMP but are atomic under apply.
define(`${BATCH}.JobCondition`, condition('JobCondition describes current state of a job.', { lastProbeTime: time }));
define(`${BATCH}.UncountedTerminatedPods`, obj({ failed: arr(str(), { listType: 'set' }), succeeded: arr(str(), { listType: 'set' }) }));
define(`${BATCH}.JobStatus`, obj({
  active: int32(), completedIndexes: str(), completionTime: time,
  conditions: arr(ref(`${BATCH}.JobCondition`), { mergeKey: 'type', listType: 'atomic' }),
  failed: int32(), failedIndexes: str(), ready: int32(), startTime: time, succeeded: int32(), terminating: int32(),
  uncountedTerminatedPods: ref(`${BATCH}.UncountedTerminatedPods`),
}, { description: 'JobStatus represents the current state of a Job.' }));
define(`${BATCH}.CronJobStatus`, obj({
  active: arr(ref(`${CORE}.ObjectReference`)), lastScheduleTime: time, lastSuccessfulTime: time,
}, { description: 'CronJobStatus represents the current state of a cron job.' }));

// policy/v1 and networking.k8s.io/v1.
define('io.k8s.api.policy.v1.PodDisruptionBudgetStatus', obj({
  conditions: conditionsOf(`${META}.Condition`), currentHealthy: int32(), desiredHealthy: int32(), disruptedPods: mapOf(time),
  disruptionsAllowed: int32(), expectedPods: int32(), observedGeneration: int64(),
}, { description: 'PodDisruptionBudgetStatus represents information about the status of a PodDisruptionBudget. Status may trail the actual state of a system.' }));
const NET = 'io.k8s.api.networking.v1';
define(`${NET}.IngressPortStatus`, obj({ error: str(), port: int32(), protocol: str() }, { required: ['port', 'protocol'] }));
define(`${NET}.IngressLoadBalancerIngress`, obj({ hostname: str(), ip: str(), ports: arr(ref(`${NET}.IngressPortStatus`)) }));
define(`${NET}.IngressLoadBalancerStatus`, obj({ ingress: arr(ref(`${NET}.IngressLoadBalancerIngress`)) }));
define(`${NET}.IngressStatus`, obj({ loadBalancer: ref(`${NET}.IngressLoadBalancerStatus`) }, { description: 'IngressStatus describe the current state of the Ingress.' }));
