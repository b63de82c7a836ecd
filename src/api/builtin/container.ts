/**
 * @module api/builtin/container
 * core/v1 Container and what hangs off it: ports, env, resources, probes, lifecycle, security context.
 */
import { define, definition } from '../schema/registry.js';
import { obj, str, int32, int64, bool, arr, mapOf, ref, quantity, intOrString, enumStr } from '../schema/builders.js';
import { CORE } from './common.js';

define(`${CORE}.ContainerPort`, obj({ containerPort: int32(), hostIP: str(), hostPort: int32(), name: str(), protocol: enumStr(['SCTP', 'TCP', 'UDP']) }, { required: ['containerPort'] }));
define(`${CORE}.ObjectFieldSelector`, obj({ apiVersion: str(), fieldPath: str() }, { required: ['fieldPath'], mapType: 'atomic' }));
define(`${CORE}.ResourceFieldSelector`, obj({ containerName: str(), divisor: quantity(), resource: str() }, { required: ['resource'], mapType: 'atomic' }));
define(`${CORE}.ConfigMapKeySelector`, obj({ key: str(), name: str(), optional: bool() }, { required: ['key'], mapType: 'atomic' }));
define(`${CORE}.SecretKeySelector`, obj({ key: str(), name: str(), optional: bool() }, { required: ['key'], mapType: 'atomic' }));
define(`${CORE}.EnvVarSource`, obj({ configMapKeyRef: ref(`${CORE}.ConfigMapKeySelector`), fieldRef: ref(`${CORE}.ObjectFieldSelector`), resourceFieldRef: ref(`${CORE}.ResourceFieldSelector`), secretKeyRef: ref(`${CORE}.SecretKeySelector`) }));
define(`${CORE}.EnvVar`, obj({ name: str(), value: str(), valueFrom: ref(`${CORE}.EnvVarSource`) }, { required: ['name'] }));
define(`${CORE}.EnvFromSource`, obj({ configMapRef: obj({ name: str(), optional: bool() }, { mapType: 'atomic' }), prefix: str(), secretRef: obj({ name: str(), optional: bool() }, { mapType: 'atomic' }) }));
define(`${CORE}.ResourceRequirements`, obj({ claims: arr(obj({ name: str(), request: str() }, { required: ['name'] }), { listType: 'map', listMapKeys: ['name'] }), limits: mapOf(quantity()), requests: mapOf(quantity()) }));
define(`${CORE}.HTTPHeader`, obj({ name: str(), value: str() }, { required: ['name', 'value'] }));
define(`${CORE}.HTTPGetAction`, obj({ host: str(), httpHeaders: arr(ref(`${CORE}.HTTPHeader`)), path: str(), port: intOrString(), scheme: enumStr(['HTTP', 'HTTPS']) }, { required: ['port'] }));
define(`${CORE}.TCPSocketAction`, obj({ host: str(), port: intOrString() }, { required: ['port'] }));
define(`${CORE}.ExecAction`, obj({ command: arr(str()) }));
define(`${CORE}.GRPCAction`, obj({ port: int32(), service: str() }, { required: ['port'] }));
define(`${CORE}.Probe`, obj({
  exec: ref(`${CORE}.ExecAction`), failureThreshold: int32(), grpc: ref(`${CORE}.GRPCAction`), httpGet: ref(`${CORE}.HTTPGetAction`),
  initialDelaySeconds: int32(), periodSeconds: int32(), successThreshold: int32(), tcpSocket: ref(`${CORE}.TCPSocketAction`),
  terminationGracePeriodSeconds: int64(), timeoutSeconds: int32(),
}, { description: 'Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.' }));
define(`${CORE}.LifecycleHandler`, obj({ exec: ref(`${CORE}.ExecAction`), httpGet: ref(`${CORE}.HTTPGetAction`), sleep: obj({ seconds: int64() }, { required: ['seconds'] }), tcpSocket: ref(`${CORE}.TCPSocketAction`) }));
define(`${CORE}.Lifecycle`, obj({ postStart: ref(`${CORE}.LifecycleHandler`), preStop: ref(`${CORE}.LifecycleHandler`), stopSignal: str() }));
define(`${CORE}.Capabilities`, obj({ add: arr(str()), drop: arr(str()) }));
define(`${CORE}.SELinuxOptions`, obj({ level: str(), role: str(), type: str(), user: str() }));
define(`${CORE}.SeccompProfile`, obj({ localhostProfile: str(), type: enumStr(['Localhost', 'RuntimeDefault', 'Unconfined']) }, { required: ['type'] }));
define(`${CORE}.AppArmorProfile`, obj({ localhostProfile: str(), type: enumStr(['Localhost', 'RuntimeDefault', 'Unconfined']) }, { required: ['type'] }));
define(`${CORE}.WindowsSecurityContextOptions`, obj({ gmsaCredentialSpec: str(), gmsaCredentialSpecName: str(), hostProcess: bool(), runAsUserName: str() }));
define(`${CORE}.SecurityContext`, obj({
  allowPrivilegeEscalation: bool(), appArmorProfile: ref(`${CORE}.AppArmorProfile`), capabilities: ref(`${CORE}.Capabilities`), privileged: bool(),
  procMount: str(), readOnlyRootFilesystem: bool(), runAsGroup: int64(), runAsNonRoot: bool(), runAsUser: int64(),
  seLinuxOptions: ref(`${CORE}.SELinuxOptions`), seccompProfile: ref(`${CORE}.SeccompProfile`), windowsOptions: ref(`${CORE}.WindowsSecurityContextOptions`),
}));
define(`${CORE}.VolumeMount`, obj({ mountPath: str(), mountPropagation: str(), name: str(), readOnly: bool(), recursiveReadOnly: str(), subPath: str(), subPathExpr: str() }, { required: ['name', 'mountPath'] }));
define(`${CORE}.VolumeDevice`, obj({ devicePath: str(), name: str() }, { required: ['name', 'devicePath'] }));
define(`${CORE}.ContainerResizePolicy`, obj({ resourceName: str(), restartPolicy: str() }, { required: ['resourceName', 'restartPolicy'] }));

define(`${CORE}.Container`, obj({
  args: arr(str()), command: arr(str()),
  env: arr(ref(`${CORE}.EnvVar`), { mergeKey: 'name' }), envFrom: arr(ref(`${CORE}.EnvFromSource`)),
  image: str('Container image name.'), imagePullPolicy: enumStr(['Always', 'IfNotPresent', 'Never']),
  lifecycle: ref(`${CORE}.Lifecycle`), livenessProbe: ref(`${CORE}.Probe`), name: str('Name of the container specified as a DNS_LABEL.'),
  ports: arr(ref(`${CORE}.ContainerPort`), { mergeKey: 'containerPort', listMapKeys: ['containerPort', 'protocol'] }),
  readinessProbe: ref(`${CORE}.Probe`), resizePolicy: arr(ref(`${CORE}.ContainerResizePolicy`)), resources: ref(`${CORE}.ResourceRequirements`),
  restartPolicy: str(), securityContext: ref(`${CORE}.SecurityContext`), startupProbe: ref(`${CORE}.Probe`),
  stdin: bool(), stdinOnce: bool(), terminationMessagePath: str(), terminationMessagePolicy: enumStr(['FallbackToLogsOnError', 'File']), tty: bool(),
  volumeDevices: arr(ref(`${CORE}.VolumeDevice`), { mergeKey: 'devicePath' }), volumeMounts: arr(ref(`${CORE}.VolumeMount`), { mergeKey: 'mountPath' }),
  workingDir: str(),
}, { required: ['name'], description: 'A single application container that you want to run within a pod.' }));
define(`${CORE}.EphemeralContainer`, { ...structuredClone(definition(`${CORE}.Container`)!), properties: { ...structuredClone(definition(`${CORE}.Container`)!.properties!), targetContainerName: str() }, description: 'An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging.' });
