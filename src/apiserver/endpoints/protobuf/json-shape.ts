/**
 * @module apiserver/endpoints/protobuf/json-shape
 * Where Go's JSON form of a Kubernetes type differs from its generated.proto field list: embedded
 * (inline) structs, proto names that are not the JSON names, and non-pointer `omitempty` numbers and
 * booleans whose zero Go leaves out of JSON but gogo-protobuf still writes.
 */
import { PACKAGE_ALIASES } from './types.js';

function expand(list: Record<string, string[]>): Set<string> {
  const out = new Set<string>();
  for (const [msg, fields] of Object.entries(list)) {
    const dot = msg.indexOf('.');
    const full = `${PACKAGE_ALIASES[msg.slice(0, dot)]}${msg.slice(dot)}`;
    for (const f of fields) out.add(`${full}.${f}`);
  }
  return out;
}

/**
 * Go structs embedded with `json:",inline"`: proto gives them a field of their own, JSON merges
 * their fields into the parent (found by comparing the tables with the OpenAPI schemas).
 */
export const INLINE = expand({
  'core.ConfigMapEnvSource': ['localObjectReference'],
  'core.ConfigMapKeySelector': ['localObjectReference'],
  'core.ConfigMapProjection': ['localObjectReference'],
  'core.ConfigMapVolumeSource': ['localObjectReference'],
  'core.SecretEnvSource': ['localObjectReference'],
  'core.SecretKeySelector': ['localObjectReference'],
  'core.SecretProjection': ['localObjectReference'],
  'core.EphemeralContainer': ['ephemeralContainerCommon'],
  'core.PersistentVolumeSpec': ['persistentVolumeSource'],
  'core.Probe': ['handler'],
  'core.Volume': ['volumeSource'],
  'networking.IngressRule': ['ingressRuleValue'],
});

/** Proto field names that differ from the Go JSON name (protoc lower-cases only the first letter). */
export const RENAMES = new Map<string, string>([
  [`${PACKAGE_ALIASES.networking}.IngressClassParametersReference.aPIGroup`, 'apiGroup'],
  [`${PACKAGE_ALIASES.authentication}.BoundObjectReference.uID`, 'uid'],
]);

/**
 * Non-pointer `omitempty` numbers and booleans of the commonly sent types. For these Go cannot tell
 * unset from zero, so dropping a zero changes nothing in Go's semantics, while a JSON consumer that
 * tests for presence (`nodePort` on a ClusterIP Service, `periodSeconds ??= 10`) would see a value
 * the client never set. Pointer fields are not listed: their zero was set on purpose and is kept.
 */
export const OMIT_ZERO = expand({
  'meta.ObjectMeta': ['generation'],
  'meta.Condition': ['observedGeneration'],
  'core.Container': ['stdin', 'stdinOnce', 'tty'],
  'core.EphemeralContainerCommon': ['stdin', 'stdinOnce', 'tty'],
  'core.ContainerPort': ['hostPort'],
  'core.PodSpec': ['hostNetwork', 'hostPID', 'hostIPC'],
  'core.Probe': ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'],
  'core.VolumeMount': ['readOnly'],
  'core.ServicePort': ['nodePort'],
  'core.ServiceSpec': ['healthCheckNodePort', 'publishNotReadyAddresses'],
  'core.PersistentVolumeClaimVolumeSource': ['readOnly'],
  'core.ContainerStatus': ['restartCount'],
  'apps.DeploymentSpec': ['minReadySeconds', 'paused'],
  'apps.DeploymentStatus': ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'],
  'apps.StatefulSetSpec': ['minReadySeconds'],
  'apps.StatefulSetStatus': ['observedGeneration', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'],
  'apps.DaemonSetSpec': ['minReadySeconds'],
  'apps.DaemonSetStatus': ['observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'],
  'apps.ReplicaSetSpec': ['minReadySeconds'],
  'apps.ReplicaSetStatus': ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
  'batch.JobStatus': ['active', 'succeeded', 'failed'],
  'networking.ServiceBackendPort': ['number'],
  'policy.PodDisruptionBudgetStatus': ['observedGeneration'],
  'scheduling.PriorityClass': ['globalDefault'],
  'autoscaling.ScaleSpec': ['replicas'],
});
