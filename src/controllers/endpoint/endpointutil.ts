/**
 * @module controllers/endpoint/endpointutil
 * What the Endpoints and EndpointSlice controllers both decide about a pod behind a Service
 * (Kubernetes' pkg/controller/util/endpoint): whether it belongs in the endpoints at all, which of
 * its IPs to use, which port a Service port's targetPort means on it, and whether it gets a
 * hostname. Also the Service → pods selection both controllers make from the pod cache.
 */
import { selectorFromSet } from '../../machinery/labels.js';

/**
 * Whether a pod is listed at all: it has an IP, is not finished for good (as its restartPolicy
 * says), and is not being deleted unless terminating pods are wanted.
 */
export function shouldPodBeInEndpoints(pod: any, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP && !(pod.status?.podIPs?.length)) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  switch (pod.spec?.restartPolicy) {
    case 'Never': return phase !== 'Failed' && phase !== 'Succeeded';
    case 'OnFailure': return phase !== 'Succeeded';
    default: return true;
  }
}

const isIPv6 = (ip: string) => ip.includes(':');

/** The Service's address family: its first ipFamily, else what its clusterIP is, else IPv4. */
export function serviceFamily(svc: any): 'IPv4' | 'IPv6' {
  const fam = svc.spec?.ipFamilies?.[0];
  if (fam === 'IPv6' || fam === 'IPv4') return fam;
  const cip = svc.spec?.clusterIP;
  return cip && cip !== 'None' && isIPv6(cip) ? 'IPv6' : 'IPv4';
}

/** The pod's IP of the given family ('' when it has none). */
export function podIPOfFamily(pod: any, family: 'IPv4' | 'IPv6'): string {
  const ips: string[] = (pod.status?.podIPs ?? []).map((p: any) => p.ip).filter(Boolean);
  if (!ips.length && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips.find((ip) => isIPv6(ip) === (family === 'IPv6')) ?? '';
}

/**
 * The port number a Service port's targetPort means on this pod: a number as is; a name looked
 * up among the pod's container ports with the same protocol. undefined: the pod lacks that port.
 */
export function findPort(pod: any, svcPort: any): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const proto = svcPort.protocol ?? 'TCP';
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

/** A pod named by spec.hostname under a subdomain equal to the Service's name gets a DNS hostname. */
export function shouldSetHostname(pod: any, svc: any): boolean {
  return !!pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

export function podReference(pod: any): any {
  return { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

/** A Service the endpoint controllers manage: it has a selector and is not ExternalName. */
export function managesService(svc: any): boolean {
  return !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0 && svc.spec.type !== 'ExternalName';
}

/** The pods in the Service's namespace that its selector picks (from the pod cache, by namespace index). */
export function podsForService(svc: any, podsInNamespace: any[]): any[] {
  const sel = selectorFromSet(svc.spec.selector);
  return podsInNamespace.filter((p) => sel.matches(p.metadata.labels ?? {}));
}

/** RFC 3339 with nanoseconds, as Kubernetes writes endpoints.kubernetes.io/last-change-trigger-time. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_m, f: string) => (f === '000' ? 'Z' : `.${f.replace(/0+$/, '')}Z`));
}

export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
