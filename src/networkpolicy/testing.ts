/**
 * @module networkpolicy/testing
 * Object builders shared by the NetworkPolicy unit and end-to-end tests, including the seed's
 * doctor-app `backend-policy` (frontend -> backend:8000, backend -> postgres:5432, nothing else).
 */

/** A pod as the API server would return it once Running with an address. */
export function testPod(o: {
  ns: string; name: string; ip: string; node?: string; labels?: Record<string, string>;
  ports?: { name?: string; containerPort: number; protocol?: string }[]; phase?: string; hostNetwork?: boolean;
}): any {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { namespace: o.ns, name: o.name, labels: o.labels ?? {} },
    spec: { nodeName: o.node ?? 'node-1', hostNetwork: o.hostNetwork, containers: [{ name: 'c', image: 'busybox', ports: o.ports ?? [] }] },
    status: { phase: o.phase ?? 'Running', podIP: o.ip, podIPs: [{ ip: o.ip }] },
  };
}

export function testNamespace(name: string, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

export function testPolicy(ns: string, name: string, spec: any): any {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec };
}

/** The seed's backend-policy, verbatim in meaning. */
export function seedBackendPolicy(): any {
  return testPolicy('doctor-app', 'backend-policy', {
    podSelector: { matchLabels: { app: 'doctor-backend' } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'doctor-frontend' } } }], ports: [{ protocol: 'TCP', port: 8000 }] }],
    egress: [{ to: [{ podSelector: { matchLabels: { app: 'postgres' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
  });
}
