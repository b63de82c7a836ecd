/**
 * @module apiserver/registry/kinds
 * Which strategy each kind uses. A kind without an entry gets the generic one (schema validation,
 * ObjectMeta rules, status kept apart when it has a status subresource).
 */
import type { ResourceInfo } from '../../../api/schema/types.js';
import type { Strategy } from '../strategy.js';
import type { ResourceRegistry } from '../resources.js';
import { namespaceStrategy } from './namespace.js';
import { podStrategy } from './pod.js';
import { serviceStrategy } from './service.js';
import { immutableDataStrategy } from './config.js';
import { workloadStrategy } from './workload.js';
import { roleBindingStrategy } from './rbac.js';
import { nodeStrategy } from './node.js';
import { eventStrategy } from './event.js';
import { csrStrategy } from './certificates.js';
import { crdStrategy } from '../crd/strategy.js';
import { mutatingWebhookStrategy, validatingWebhookStrategy } from './admission.js';

export function strategyFor(info: ResourceInfo, reg: ResourceRegistry): Strategy {
  const key = `${info.group}/${info.plural}`;
  switch (key) {
    case '/namespaces': return namespaceStrategy;
    case '/pods': return podStrategy;
    case '/services': return serviceStrategy(reg);
    case '/configmaps': case '/secrets': return immutableDataStrategy;
    case '/nodes': return nodeStrategy;
    case '/events': return eventStrategy;
    case 'certificates.k8s.io/certificatesigningrequests': return csrStrategy;
    case 'apps/deployments': case 'apps/replicasets': case 'apps/statefulsets': case 'apps/daemonsets': case 'batch/jobs':
      return workloadStrategy(info);
    case 'rbac.authorization.k8s.io/rolebindings': case 'rbac.authorization.k8s.io/clusterrolebindings': return roleBindingStrategy;
    case 'apiextensions.k8s.io/customresourcedefinitions': return crdStrategy;
    case 'admissionregistration.k8s.io/mutatingwebhookconfigurations': return mutatingWebhookStrategy;
    case 'admissionregistration.k8s.io/validatingwebhookconfigurations': return validatingWebhookStrategy;
    default: return {};
  }
}

/** Stores that answer DELETE with the object rather than a Status (Kubernetes' ReturnDeletedObject). */
export function storeOptionsFor(info: ResourceInfo): { returnDeletedObject?: boolean } {
  const key = `${info.group}/${info.plural}`;
  return { returnDeletedObject: ['/pods', '/services', '/namespaces', '/nodes', '/persistentvolumes', '/persistentvolumeclaims'].includes(key) || !!info.custom };
}
