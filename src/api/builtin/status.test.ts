import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../index.js';
import { validateDefinition, allErrors } from '../schema/validate.js';
import { definition, resolve } from '../schema/registry.js';
import { pruneUnknownFields } from '../schema/prune.js';

const check = (o: unknown, def: string) => validateDefinition(o, def, { unknownFields: 'Strict' });
const clean = (o: unknown, def: string) => {
  const r = check(o, def);
  assert.deepEqual({ errors: allErrors(r), unknown: r.unknown }, { errors: [], unknown: [] });
};
const t = '2024-05-01T10:00:00Z';

const runningPod = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'nginx:1.25' }, { name: 'sidecar', image: 'busybox' }] },
  status: {
    phase: 'Running', qosClass: 'Burstable', startTime: t, observedGeneration: 1,
    hostIP: '10.0.0.5', hostIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }], podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }],
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: t },
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
      { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: t },
      { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: t },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
    ],
    containerStatuses: [
      { name: 'app', ready: true, restartCount: 1, started: true, image: 'docker.io/library/nginx:1.25', imageID: 'docker.io/library/nginx@sha256:abc',
        containerID: 'containerd://1234', state: { running: { startedAt: t } },
        lastState: { terminated: { exitCode: 137, signal: 9, reason: 'OOMKilled', message: 'killed', startedAt: t, finishedAt: t, containerID: 'containerd://0ff' } },
        allocatedResources: { cpu: '100m', memory: '128Mi' }, resources: { requests: { cpu: '100m' }, limits: { memory: '128Mi' } },
        volumeMounts: [{ name: 'kube-api-access-x', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true, recursiveReadOnly: 'Disabled' }],
        user: { linux: { uid: 0, gid: 0, supplementalGroups: [0, 10] } } },
      { name: 'sidecar', ready: false, restartCount: 0, started: false, image: 'busybox', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, lastState: {} },
    ],
    initContainerStatuses: [{ name: 'init', ready: true, restartCount: 0, image: 'busybox', imageID: 'x', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    resourceClaimStatuses: [{ name: 'gpu', resourceClaimName: 'web-gpu-abc' }],
  },
};

test('a Running pod status with two containers and conditions validates cleanly', () => {
  clean(runningPod, 'io.k8s.api.core.v1.Pod');
  // Nothing is pruned: every field the kubelet writes is known.
  const copy = structuredClone(runningPod);
  assert.deepEqual(pruneUnknownFields(copy, { $ref: 'io.k8s.api.core.v1.Pod' }), []);
});

test('unknown status fields are reported, wrong types are errors', () => {
  const o = structuredClone(runningPod) as any;
  o.status.bogus = 1;
  o.status.containerStatuses[0].restartCount = 'x';
  o.status.containerStatuses[1].state.waiting.nope = true;
  const r = check(o, 'io.k8s.api.core.v1.Pod');
  assert.deepEqual(r.unknown.sort(), ['status.bogus', 'status.containerStatuses[1].state.waiting.nope']);
  assert.equal(r.typeErrors.length, 1);
  assert.equal(r.typeErrors[0].field, 'status.containerStatuses[0].restartCount');
  assert.equal(r.typeErrors[0].detail, 'status.containerStatuses[0].restartCount in body must be of type integer: "string"');
  const bad = check({ status: { startTime: 'yesterday', phase: 'Sleeping' } }, 'io.k8s.api.core.v1.Pod');
  assert.equal(bad.typeErrors[0].field, 'status.startTime');
  assert.equal(bad.errors[0].type, 'FieldValueNotSupported');
});

test('a Deployment status with conditions validates cleanly', () => {
  clean({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, status: {
    observedGeneration: 3, replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1, terminatingReplicas: 0, collisionCount: 1,
    conditions: [
      { type: 'Available', status: 'False', lastUpdateTime: t, lastTransitionTime: t, reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      { type: 'Progressing', status: 'True', lastUpdateTime: t, lastTransitionTime: t, reason: 'ReplicaSetUpdated', message: 'ReplicaSet "d-5d" is progressing.' },
    ] } }, 'io.k8s.api.apps.v1.Deployment');
  const r = check({ status: { conditions: [{ type: 'Available', status: 'True', lastHeartbeatTime: t }] } }, 'io.k8s.api.apps.v1.Deployment');
  assert.deepEqual(r.unknown, ['status.conditions[0].lastHeartbeatTime']);
});

test('a Node status with addresses, capacity, conditions and nodeInfo validates cleanly', () => {
  clean({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: {
    addresses: [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'InternalIP', address: 'fd00::5' }, { type: 'Hostname', address: 'n1' }],
    capacity: { cpu: '4', memory: '16331416Ki', pods: '110', 'ephemeral-storage': '102626232Ki', 'hugepages-2Mi': '0' },
    allocatable: { cpu: '3800m', memory: '15200Mi', pods: '110' },
    conditions: [
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: t, lastTransitionTime: t, reason: 'KubeletHasSufficientMemory', message: 'ok' },
      { type: 'Ready', status: 'True', lastHeartbeatTime: t, lastTransitionTime: t, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: { machineID: 'm', systemUUID: 'u', bootID: 'b', kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12', containerRuntimeVersion: 'containerd://1.7.13',
      kubeletVersion: 'v1.32.0', kubeProxyVersion: 'v1.32.0', operatingSystem: 'linux', architecture: 'amd64', swap: { capacity: 0 } },
    images: [{ names: ['registry.k8s.io/pause@sha256:7031', 'registry.k8s.io/pause:3.10'], sizeBytes: 320368 }],
    volumesInUse: ['kubernetes.io/csi/x^y'], volumesAttached: [{ name: 'kubernetes.io/csi/x^y', devicePath: '' }],
    runtimeHandlers: [{ name: 'runc', features: { recursiveReadOnlyMounts: true, userNamespaces: true } }],
    features: { supplementalGroupsPolicy: true }, phase: 'Running',
    config: { assigned: { configMap: { namespace: 'kube-system', name: 'c', kubeletConfigKey: 'kubelet' } }, error: '' },
  } }, 'io.k8s.api.core.v1.Node');
  const r = check({ status: { capacity: { cpu: 'lots' }, nodeInfo: { kubeletVersion: 132 } } }, 'io.k8s.api.core.v1.Node');
  assert.deepEqual(r.typeErrors.map((e) => e.field).sort(), ['status.capacity.cpu', 'status.nodeInfo.kubeletVersion']);
});

test('Job and CronJob statuses validate cleanly', () => {
  clean({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: {
    startTime: t, completionTime: t, active: 0, succeeded: 3, failed: 1, terminating: 0, ready: 0, completedIndexes: '0-2', failedIndexes: '3',
    uncountedTerminatedPods: { succeeded: ['uid-1'], failed: [] },
    conditions: [
      { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: t, lastTransitionTime: t, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
      { type: 'Complete', status: 'True', lastProbeTime: t, lastTransitionTime: t, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
    ] } }, 'io.k8s.api.batch.v1.Job');
  clean({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, status: {
    active: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'c-1', namespace: 'default', uid: 'u', resourceVersion: '5' }], lastScheduleTime: t, lastSuccessfulTime: t } },
  'io.k8s.api.batch.v1.CronJob');
});

test('the other status kinds accept what their controllers write', () => {
  const cases: Array<[string, unknown]> = [
    ['io.k8s.api.core.v1.Service', { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP' }] }, { hostname: 'lb.example.com' }] },
      conditions: [{ type: 'LoadBalancerReady', status: 'True', lastTransitionTime: t, reason: 'Ready', message: '' }] }],
    ['io.k8s.api.core.v1.Namespace', { phase: 'Terminating', conditions: [{ type: 'NamespaceDeletionDiscoveryFailure', status: 'False', lastTransitionTime: t, reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' }] }],
    ['io.k8s.api.core.v1.PersistentVolumeClaim', { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, allocatedResources: { storage: '1Gi' },
      allocatedResourceStatuses: { storage: 'ControllerResizeInProgress' }, conditions: [{ type: 'Resizing', status: 'True', lastProbeTime: null, lastTransitionTime: t }],
      currentVolumeAttributesClassName: 'gold', modifyVolumeStatus: { status: 'InProgress', targetVolumeAttributesClassName: 'silver' } }],
    ['io.k8s.api.core.v1.PersistentVolume', { phase: 'Bound', lastPhaseTransitionTime: t, message: '', reason: '' }],
    ['io.k8s.api.core.v1.ReplicationController', { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1,
      conditions: [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: t, reason: 'FailedCreate', message: 'quota' }] }],
    ['io.k8s.api.core.v1.ResourceQuota', { hard: { pods: '10', 'requests.cpu': '4' }, used: { pods: '3', 'requests.cpu': '750m' } }],
    ['io.k8s.api.apps.v1.ReplicaSet', { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, terminatingReplicas: 0, observedGeneration: 2 }],
    ['io.k8s.api.apps.v1.StatefulSet', { replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, currentRevision: 's-7d', updateRevision: 's-7d', collisionCount: 0, observedGeneration: 1 }],
    ['io.k8s.api.apps.v1.DaemonSet', { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberUnavailable: 0, observedGeneration: 1,
      conditions: [{ type: 'X', status: 'True', lastTransitionTime: t }] }],
    ['io.k8s.api.policy.v1.PodDisruptionBudget', { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptedPods: { 'web-0': t },
      conditions: [{ type: 'DisruptionAllowed', status: 'True', lastTransitionTime: t, reason: 'SufficientPods', message: '', observedGeneration: 1 }] }],
    ['io.k8s.api.networking.v1.Ingress', { loadBalancer: { ingress: [{ ip: '1.2.3.4', ports: [{ port: 443, protocol: 'TCP', error: 'x' }] }, { hostname: 'h' }] } }],
  ];
  for (const [def, status] of cases) {
    const r = check({ status }, def);
    assert.deepEqual({ def, errors: allErrors(r), unknown: r.unknown }, { def, errors: [], unknown: [] });
  }
});

test('status lists carry Kubernetes merge keys and list types', () => {
  const props = (def: string) => resolve({ $ref: def })!.properties!;
  const pod = props('io.k8s.api.core.v1.PodStatus');
  assert.equal(pod.conditions['x-kubernetes-patch-merge-key'], 'type');
  assert.deepEqual(pod.conditions['x-kubernetes-list-map-keys'], ['type']);
  assert.equal(pod.containerStatuses['x-kubernetes-list-type'], 'atomic');
  assert.equal(pod.podIPs['x-kubernetes-patch-merge-key'], 'ip');
  assert.equal(props('io.k8s.api.core.v1.NodeStatus').addresses['x-kubernetes-patch-merge-key'], 'type');
  assert.equal(props('io.k8s.api.batch.v1.JobStatus').conditions['x-kubernetes-list-type'], 'atomic');
  assert.equal(props('io.k8s.api.batch.v1.UncountedTerminatedPods').succeeded['x-kubernetes-list-type'], 'set');
  // Every status block listed is described, none left free-form.
  for (const k of ['core.v1.Pod', 'core.v1.Node', 'core.v1.Service', 'core.v1.Namespace', 'core.v1.PersistentVolumeClaim', 'core.v1.PersistentVolume',
    'core.v1.ReplicationController', 'core.v1.ResourceQuota', 'apps.v1.Deployment', 'apps.v1.ReplicaSet', 'apps.v1.StatefulSet', 'apps.v1.DaemonSet',
    'batch.v1.Job', 'batch.v1.CronJob', 'policy.v1.PodDisruptionBudget', 'networking.v1.Ingress']) {
    const kind = k.slice(k.lastIndexOf('.') + 1);
    assert.equal(definition(`io.k8s.api.${k}`)!.properties!.status.$ref, `io.k8s.api.${k}Status`, kind);
  }
});
