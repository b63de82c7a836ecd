/** Test-only schemas in the shape of core/v1 Pod and apps/v1 Deployment (registered under test.smp.*). */
import { define } from '../../api/schema/registry.js';
import { obj, str, arr, ref, mapOf, setOf, int32, quantity, anyObject, withPatchStrategy, bool } from '../../api/schema/builders.js';
import type { Schema } from '../../api/schema/types.js';

define('test.smp.ObjectMeta', obj({
  name: str(), namespace: str(), labels: mapOf(str()), annotations: mapOf(str()), finalizers: setOf(str()),
  ownerReferences: arr(ref('test.smp.OwnerReference'), { mergeKey: 'uid' }),
}));
define('test.smp.OwnerReference', obj({ uid: str(), name: str(), kind: str(), controller: bool() }));
define('test.smp.Container', obj({
  name: str(), image: str(), args: arr(str()), command: arr(str()),
  ports: arr(ref('test.smp.ContainerPort'), { mergeKey: 'containerPort' }),
  env: arr(ref('test.smp.EnvVar'), { mergeKey: 'name' }),
  resources: obj({ limits: mapOf(quantity()), requests: mapOf(quantity()) }),
}));
define('test.smp.ContainerPort', obj({ containerPort: int32(), protocol: str(), name: str() }));
define('test.smp.EnvVar', obj({ name: str(), value: str() }));
define('test.smp.Volume', obj({ name: str(), configMap: obj({ name: str() }), emptyDir: obj({ medium: str() }), hostPath: obj({ path: str() }) }));
define('test.smp.Toleration', obj({ key: str(), operator: str(), value: str(), effect: str() }));
define('test.smp.PodSpec', obj({
  containers: arr(ref('test.smp.Container'), { mergeKey: 'name' }),
  initContainers: arr(ref('test.smp.Container'), { mergeKey: 'name' }),
  volumes: arr(ref('test.smp.Volume'), { mergeKey: 'name', patchStrategy: 'merge,retainKeys' }),
  tolerations: arr(ref('test.smp.Toleration')),
  nodeSelector: mapOf(str()), nodeName: str(),
}));
define('test.smp.Pod', obj({ apiVersion: str(), kind: str(), metadata: ref('test.smp.ObjectMeta'), spec: ref('test.smp.PodSpec'), status: obj({ phase: str() }) }));
define('test.smp.DeploymentStrategy', obj({ type: str(), rollingUpdate: obj({ maxSurge: str(), maxUnavailable: str() }) }));
define('test.smp.Deployment', obj({
  apiVersion: str(), kind: str(), metadata: ref('test.smp.ObjectMeta'),
  spec: obj({
    replicas: int32(), selector: obj({ matchLabels: mapOf(str()) }),
    strategy: withPatchStrategy(ref('test.smp.DeploymentStrategy'), 'retainKeys'),
    template: obj({ metadata: ref('test.smp.ObjectMeta'), spec: ref('test.smp.PodSpec') }),
  }),
}));
/** A CRD-like kind: no patch metadata below spec. */
define('test.smp.Widget', obj({ metadata: ref('test.smp.ObjectMeta'), spec: anyObject() }));

export const podSchema: Schema = ref('test.smp.Pod');
export const deploymentSchema: Schema = ref('test.smp.Deployment');
export const widgetSchema: Schema = ref('test.smp.Widget');
