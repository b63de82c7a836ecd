/**
 * @module proxy/servicechangetracker
 * A Service as kube-proxy sees it: one ServicePortInfo per spec.ports entry, with the addresses
 * and policies that decide the node's rules. Headless and ExternalName Services get none (DNS
 * serves them; there is no virtual IP to program), as in upstream's ServiceChangeTracker.
 */
import type { Protocol, ServicePortInfo } from './types.js';

/** The default ClientIP affinity timeout (3 hours), as the API defaults sessionAffinityConfig. */
export const DEFAULT_AFFINITY_SECONDS = 10800;

const isIPv4 = (ip: unknown): ip is string => typeof ip === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);

/** `namespace/name:portName`, the ServicePortName id used across the proxy. */
export const servicePortId = (namespace: string, name: string, portName: string): string => `${namespace}/${name}:${portName}`;

/** The service ports kube-proxy programs for one Service object (empty if it programs none). */
export function servicePortsFor(svc: any): ServicePortInfo[] {
  const spec = svc?.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (type === 'ExternalName') return [];
  // This proxier is IPv4 single-stack: the IPv4 member of clusterIPs, if any.
  const clusterIP = [spec.clusterIP, ...(spec.clusterIPs ?? [])].find(isIPv4);
  if (!clusterIP) return []; // headless ("None") or not yet allocated
  const externalIPs: string[] = (spec.externalIPs ?? []).filter(isIPv4);
  const isLB = type === 'LoadBalancer';
  const hasNodePorts = type === 'NodePort' || isLB;
  const externallyAccessible = hasNodePorts || externalIPs.length > 0;
  const loadBalancerIPs: string[] = isLB ? (svc.status?.loadBalancer?.ingress ?? []).map((i: any) => i?.ip).filter(isIPv4) : [];
  const affinity = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : 0;
  const externalLocal = externallyAccessible && (spec.externalTrafficPolicy === 'Local' || spec.externalTrafficPolicy === 'OnlyLocal');
  return (spec.ports ?? []).map((p: any): ServicePortInfo => ({
    id: servicePortId(svc.metadata.namespace, svc.metadata.name, p.name ?? ''),
    namespace: svc.metadata.namespace,
    name: svc.metadata.name,
    portName: p.name ?? '',
    protocol: (p.protocol ?? 'TCP') as Protocol,
    clusterIP,
    port: p.port,
    nodePort: hasNodePorts ? (p.nodePort ?? 0) : 0,
    externalIPs,
    loadBalancerIPs,
    loadBalancerSourceRanges: isLB ? [...(spec.loadBalancerSourceRanges ?? [])] : [],
    sessionAffinitySeconds: affinity,
    internalLocal: spec.internalTrafficPolicy === 'Local',
    externalLocal,
    healthCheckNodePort: isLB && externalLocal ? (spec.healthCheckNodePort ?? 0) : 0,
  }));
}
