/**
 * @module controllers/endpoint/service-index
 * Which Services select a pod, answered from the Service cache's namespace index (Kubernetes'
 * GetPodServiceMemberships), so a pod event wakes only the Services that care.
 */
import { selectorFromSet } from '../../machinery/labels.js';
import type { Informer } from '../../client/informer.js';
import { managesService } from './endpointutil.js';

export const byNamespace = (o: any): string[] => [o.metadata.namespace ?? ''];

export function servicesForPod(services: Informer, pod: any): any[] {
  return services.byIndex('namespace', pod.metadata.namespace)
    .filter((s) => managesService(s) && selectorFromSet(s.spec.selector).matches(pod.metadata.labels ?? {}));
}
