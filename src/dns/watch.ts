/**
 * @module dns/watch
 * Feeds a ClusterIndex from watches, as CoreDNS's dnsController does: Services, EndpointSlices
 * (discovery.k8s.io/v1) and Pods (for `pods verified` records and pod PTRs).
 */
import type { SharedInformerFactory } from '../client/informer-factory.js';
import type { ClusterIndex } from './cluster-index.js';

/** Register the index's handlers on the factory's informers; the caller starts the factory. */
export function watchCluster(informers: SharedInformerFactory, index: ClusterIndex): void {
  informers.for('services').addEventHandler({
    add: (o) => index.upsertService(o), update: (_o, n) => index.upsertService(n), delete: (o) => index.deleteService(o),
  });
  informers.for('endpointslices').addEventHandler({
    add: (o) => index.upsertEndpointSlice(o), update: (_o, n) => index.upsertEndpointSlice(n), delete: (o) => index.deleteEndpointSlice(o),
  });
  informers.for('pods').addEventHandler({
    add: (o) => index.upsertPod(o), update: (_o, n) => index.upsertPod(n), delete: (o) => index.deletePod(o),
  });
}
