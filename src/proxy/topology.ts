/**
 * @module proxy/topology
 * Which endpoints of a Service port receive traffic, as Kubernetes' CategorizeEndpoints decides:
 * ready endpoints; when none is ready, endpoints that are still serving while terminating (so a
 * Service keeps answering while its pods drain during a rollout); and under a Local traffic policy
 * only those on this node, with the same fallback among them.
 */
import type { EndpointInfo, EndpointSelection, ServicePortInfo } from './types.js';

/** Ready endpoints, or else the serving-and-terminating ones. */
export function usable(eps: readonly EndpointInfo[]): EndpointInfo[] {
  const ready = eps.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return eps.filter((e) => e.serving && e.terminating);
}

export function categorizeEndpoints(svc: ServicePortInfo, eps: readonly EndpointInfo[] | undefined): EndpointSelection {
  const all = eps ?? [];
  const local = usable(all.filter((e) => e.isLocal));
  return { cluster: svc.internalLocal ? local : usable(all), local };
}
