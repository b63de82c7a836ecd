/**
 * @module cluster/addons
 * What `skiff up` adds to a bare control plane, as a kubeadm cluster gets CoreDNS and kube-proxy:
 * the cluster DNS behind the kube-dns Service (10.96.0.10) and one kube-proxy per node, each with
 * its own identity from the cluster CA (system:coredns, system:kube-proxy; the bootstrap RBAC policy
 * binds their roles). skiff's DNS runs on the host at the underlay address rather than as a pod (its
 * image would need Node.js inside), so kube-dns is a Service without a selector whose endpoints the
 * add-on writes itself, the way the API server publishes `kubernetes`.
 */
import { writeFileSync } from 'node:fs';
import type { ClusterPKI } from '../apiserver/pki/cluster-pki.js';

/** kube-dns's ClusterIP, as kubeadm sets it (the tenth address of the service CIDR). */
export const CLUSTER_DNS_IP = '10.96.0.10';

/** Write a kubeconfig for a component identity signed by the cluster CA; returns its path. */
export async function writeComponentKubeconfig(pki: ClusterPKI, server: string, file: string, certName: string, user: string): Promise<string> {
  const { ensureComponentCert, kubeconfig } = await import('../apiserver/pki/cluster-pki.js');
  const pair = await ensureComponentCert(pki, certName, user);
  writeFileSync(file, kubeconfig({ server, caPem: pki.ca.certPem, user, certPem: pair.certPem, keyPem: pair.keyPem }), { mode: 0o600 });
  return file;
}

const DNS_PORTS = [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }];
const LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };

/** The kube-dns Service and the endpoints that point it at the DNS server on `address`:53. */
export function kubeDnsObjects(address: string): { service: any; endpoints: any; endpointSlice: any } {
  const meta = (name: string, labels: Record<string, string> = {}) => ({ name, namespace: 'kube-system', labels: { ...LABELS, ...labels } });
  return {
    service: {
      apiVersion: 'v1', kind: 'Service', metadata: meta('kube-dns'),
      spec: { type: 'ClusterIP', clusterIP: CLUSTER_DNS_IP, ports: DNS_PORTS.map((p) => ({ ...p, targetPort: 53 })) },
    },
    endpoints: {
      apiVersion: 'v1', kind: 'Endpoints', metadata: meta('kube-dns', { 'endpointslice.kubernetes.io/skip-mirror': 'true' }),
      subsets: [{ addresses: [{ ip: address }], ports: DNS_PORTS }],
    },
    endpointSlice: {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('kube-dns-host', { 'kubernetes.io/service-name': 'kube-dns' }),
      addressType: 'IPv4', endpoints: [{ addresses: [address], conditions: { ready: true, serving: true, terminating: false } }], ports: DNS_PORTS,
    },
  };
}

/** The upstream resolvers of the host (`/etc/resolv.conf`), as `IP:53`. */
export function hostResolvers(text: string): string[] {
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => (m[1]!.includes(':') ? `[${m[1]}]:53` : `${m[1]}:53`));
}
