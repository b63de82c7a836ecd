/**
 * @module apiserver/authorization/rbac/controller-policy
 * The `system:controller:*` ClusterRoles of Kubernetes 1.32 (bootstrappolicy/controller_policy.go)
 * for the controllers skiff runs, each bound to its kube-system ServiceAccount, so a controller
 * manager using per-controller credentials gets exactly the powers Kubernetes gives it. Reads
 * through shared informers use the manager's own identity (list/watch on everything), which is
 * why many roles here have no list/watch.
 */
import { READ, clusterBinding, clusterRole, eventsRule, rule, serviceAccount } from './policy-builder.js';
import type { ClusterRole, RoleBinding } from './types.js';

const PREFIX = 'system:controller:';

function controllers(): Record<string, ReturnType<typeof rule>[]> {
  return {
    // csrapproving and csrsigning: approve node client requests, sign with the cluster CA.
    'certificate-controller': [
      rule(['get', 'list', 'watch', 'delete'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
      rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
      rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown', 'kubernetes.io/kube-apiserver-client',
        'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      eventsRule(),
    ],
    'clusterrole-aggregation-controller': [
      rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], ['rbac.authorization.k8s.io'], ['clusterroles']),
    ],
    'cronjob-controller': [
      rule(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['batch'], ['jobs']),
      rule(['update'], ['batch'], ['cronjobs/status']),
      rule(['update'], ['batch'], ['cronjobs/finalizers']),
      rule(['list', 'delete'], [''], ['pods']),
      eventsRule(),
    ],
    'daemon-set-controller': [
      rule(['get', 'list', 'watch'], ['extensions', 'apps'], ['daemonsets']),
      rule(['update'], ['extensions', 'apps'], ['daemonsets/status']),
      rule(['update'], ['extensions', 'apps'], ['daemonsets/finalizers']),
      rule(['list', 'watch'], [''], ['nodes']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
      rule(['create'], [''], ['pods/binding']),
      rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
      eventsRule(),
    ],
    'deployment-controller': [
      rule(['get', 'list', 'watch', 'update'], ['extensions', 'apps'], ['deployments']),
      rule(['update'], ['extensions', 'apps'], ['deployments/status']),
      rule(['update'], ['extensions', 'apps'], ['deployments/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['extensions', 'apps'], ['replicasets']),
      // The controller lists pods to decide whether a rollout may proceed.
      rule(['get', 'list', 'watch', 'update'], [''], ['pods']),
      eventsRule(),
    ],
    'endpoint-controller': [
      rule(['get', 'list', 'watch'], [''], ['services', 'pods']),
      rule(['get', 'list', 'create', 'update', 'delete'], [''], ['endpoints']),
      rule(['create'], [''], ['endpoints/restricted']),
      eventsRule(),
    ],
    'endpointslice-controller': [
      rule(['get', 'list', 'watch'], [''], ['services', 'pods', 'nodes']),
      // Setting blockOwnerDeletion on the Service owner reference needs its finalizers.
      rule(['update'], [''], ['services/finalizers']),
      rule(['get', 'list', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
      eventsRule(),
    ],
    'generic-garbage-collector': [
      rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']),
    ],
    'job-controller': [
      rule(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
      rule(['update', 'patch'], ['batch'], ['jobs/status']),
      rule(['update'], ['batch'], ['jobs/finalizers']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
      eventsRule(),
    ],
    'namespace-controller': [
      rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
      rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
      rule(['get', 'list', 'delete', 'deletecollection'], ['*'], ['*']),
    ],
    'node-controller': [
      rule(['get', 'list', 'update', 'delete', 'patch'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      // Evicting pods from unreachable nodes.
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['list', 'delete'], [''], ['pods']),
      eventsRule(),
    ],
    'pod-garbage-collector': [
      rule(['list', 'watch', 'delete'], [''], ['pods']),
      rule(['get', 'list'], [''], ['nodes']),
      rule(['patch'], [''], ['pods/status']),
    ],
    'replicaset-controller': [
      rule(['get', 'list', 'watch', 'update'], ['extensions', 'apps'], ['replicasets']),
      rule(['update'], ['extensions', 'apps'], ['replicasets/status']),
      rule(['update'], ['extensions', 'apps'], ['replicasets/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
      eventsRule(),
    ],
    'root-ca-cert-publisher': [
      rule(['create', 'update'], [''], ['configmaps']),
      eventsRule(),
    ],
    'service-account-controller': [
      rule(['create'], [''], ['serviceaccounts']),
      eventsRule(),
    ],
    'statefulset-controller': [
      rule(['list', 'watch'], [''], ['pods']),
      rule(['list', 'watch'], ['apps'], ['statefulsets']),
      rule(['get', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
      rule(['get', 'update', 'patch'], ['apps'], ['statefulsets']),
      rule(['update'], ['apps'], ['statefulsets/status']),
      rule(['update'], ['apps'], ['statefulsets/finalizers']),
      rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], ['apps'], ['controllerrevisions']),
      rule(['get', 'create'], [''], ['persistentvolumeclaims']),
      rule(['update', 'delete'], [''], ['persistentvolumeclaims']),
      eventsRule(),
    ],
    'ttl-after-finished-controller': [
      rule(['delete', ...READ], ['batch'], ['jobs']),
      eventsRule(),
    ],
  };
}

/** The controller names (their ServiceAccounts in kube-system have the same names). */
export const CONTROLLER_NAMES = Object.keys(controllers());

export function controllerRoles(): ClusterRole[] {
  return Object.entries(controllers()).map(([name, rules]) => clusterRole(PREFIX + name, rules));
}

export function controllerRoleBindings(): RoleBinding[] {
  return CONTROLLER_NAMES.map((name) => clusterBinding(PREFIX + name, [serviceAccount('kube-system', name)]));
}
