/**
 * @module apiserver/authorization/rbac/bootstrap-policy
 * The default RBAC policy of Kubernetes 1.32 (plugin/pkg/auth/authorizer/rbac/bootstrappolicy):
 * the user-facing roles cluster-admin/admin/edit/view (the last three aggregated from the
 * `system:aggregate-to-*` roles), the roles of the system components and nodes, their bindings,
 * and the kube-system Roles for leader election and the extension-apiserver config. The server
 * reconciles these at start (reconcile.ts), so a cluster always has working defaults.
 */
import { controllerRoleBindings, controllerRoles } from './controller-policy.js';
import { READ, READ_UPDATE, READ_WRITE, WRITE, clusterBinding, clusterRole, eventsRule, groups, role, roleBinding, rule, serviceAccount, urlRule, users } from './policy-builder.js';
import type { ClusterRole, PolicyRule, Role, RoleBinding } from './types.js';

const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';
const CERTS = 'certificates.k8s.io';
const STORAGE = 'storage.k8s.io';
const COORD = 'coordination.k8s.io';
const AGG = 'rbac.authorization.k8s.io/aggregate-to-';
const KUBE_SYSTEM = 'kube-system';

/** NodeRules: what a kubelet needs; the Node authorizer narrows the object-specific parts. */
export function nodeRules(): PolicyRule[] {
  return [
    rule(['create'], [AUTHN], ['tokenreviews']),
    rule(['create'], [AUTHZ], ['subjectaccessreviews', 'localsubjectaccessreviews']),
    rule(READ, [''], ['services']),
    rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
    rule(['update', 'patch'], [''], ['nodes/status']),
    rule(['update', 'patch'], [''], ['nodes']),
    rule(['create', 'update', 'patch'], [''], ['events']),
    rule(READ, [''], ['pods']),
    rule(['create', 'delete'], [''], ['pods']),
    rule(['update', 'patch'], [''], ['pods/status']),
    rule(['create'], [''], ['pods/eviction']),
    rule(['get', 'list', 'watch'], [''], ['secrets', 'configmaps']),
    rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], [''], ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], [CERTS], ['certificatesigningrequests']),
    rule(['get', 'create', 'update', 'patch', 'delete'], [COORD], ['leases']),
    rule(['get'], [STORAGE], ['volumeattachments']),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
    rule(['get', 'watch', 'list'], [STORAGE], ['csidrivers']),
    rule(['get', 'create', 'update', 'patch', 'delete'], [STORAGE], ['csinodes']),
    rule(['get', 'list', 'watch'], ['node.k8s.io'], ['runtimeclasses']),
  ];
}

function aggregateRoles(): ClusterRole[] {
  return [
    clusterRole('system:aggregate-to-admin', [
      rule(['create'], [AUTHZ], ['localsubjectaccessreviews']),
      rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings']),
    ], { labels: { [AGG + 'admin']: 'true' } }),
    clusterRole('system:aggregate-to-edit', [
      // Read on the escalating resources view leaves out.
      rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
      rule(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
      rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
      rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
      rule(WRITE, ['policy'], ['poddisruptionbudgets']),
      rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
    ], { labels: { [AGG + 'edit']: 'true' } }),
    clusterRole('system:aggregate-to-view', [
      rule(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
      rule(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
      // Reading namespaces at namespace scope means reading *this* namespace: a hint of where one has access.
      rule(READ, [''], ['namespaces']),
      rule(READ, ['discovery.k8s.io'], ['endpointslices']),
      rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
      rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
      rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
    ], { labels: { [AGG + 'view']: 'true' } }),
  ];
}

/** The default ClusterRoles (controller roles included). */
export function clusterRoles(): ClusterRole[] {
  const healthURLs = ['/livez', '/readyz', '/healthz', '/version', '/version/'];
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urlRule(['*'], ['*'])]),
    clusterRole('system:discovery', [urlRule(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])]),
    clusterRole('system:monitoring', [urlRule(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])]),
    clusterRole('system:basic-user', [
      rule(['create'], [AUTHZ], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], [AUTHN], ['selfsubjectreviews']),
    ]),
    clusterRole('system:public-info-viewer', [urlRule(['get'], healthURLs)]),
    clusterRole('admin', [], { aggregateFrom: AGG + 'admin' }),
    clusterRole('edit', [], { labels: { [AGG + 'admin']: 'true' }, aggregateFrom: AGG + 'edit' }),
    clusterRole('view', [], { labels: { [AGG + 'edit']: 'true' }, aggregateFrom: AGG + 'view' }),
    ...aggregateRoles(),
    clusterRole('system:node', nodeRules()),
    // skiff's request-flow trace: components export spans to the API server's collector; reading traces is granted by binding the reader role.
    // (A non-resource request's verb is its lowercase HTTP method: the collector takes POSTs.)
    clusterRole('system:skiff:trace-exporter', [urlRule(['post'], ['/debug/skiff/otlp/v1/traces'])]),
    clusterRole('system:skiff:trace-reader', [urlRule(['get'], ['/debug/skiff/traces', '/debug/skiff/traces/*'])]),
    clusterRole('system:node-problem-detector', [rule(['get'], [''], ['nodes']), rule(['patch'], [''], ['nodes/status']), eventsRule()]),
    clusterRole('system:kubelet-api-admin', [
      rule(['get', 'list', 'watch'], [''], ['nodes']),
      rule(['proxy'], [''], ['nodes']),
      rule(['*'], [''], ['nodes/proxy', 'nodes/metrics', 'nodes/spec', 'nodes/stats', 'nodes/log']),
    ]),
    clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], [CERTS], ['certificatesigningrequests'])]),
    clusterRole('system:auth-delegator', [rule(['create'], [AUTHN], ['tokenreviews']), rule(['create'], [AUTHZ], ['subjectaccessreviews'])]),
    clusterRole('system:kube-aggregator', [rule(READ, [''], ['services', 'endpoints'])]),
    // As metrics-server's manifest installs it: reading resource metrics (`kubectl top`) comes with view/edit/admin.
    clusterRole('system:aggregated-metrics-reader', [rule(['get', 'list', 'watch'], ['metrics.k8s.io'], ['pods', 'nodes'])],
      { labels: { 'k8s-app': 'metrics-server', [AGG + 'admin']: 'true', [AGG + 'edit']: 'true', [AGG + 'view']: 'true' } }),
    clusterRole('system:kube-controller-manager', [
      eventsRule(),
      // Leader election.
      rule(['create'], [COORD], ['leases']),
      rule(['get', 'update'], [COORD], ['leases'], ['kube-controller-manager']),
      rule(['create'], [''], ['secrets', 'serviceaccounts']),
      rule(['delete'], [''], ['secrets']),
      rule(['get'], [''], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
      rule(['update'], [''], ['secrets', 'serviceaccounts']),
      rule(['create'], [AUTHN], ['tokenreviews']),
      rule(['create'], [AUTHZ], ['subjectaccessreviews']),
      // Every shared informer.
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [''], ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-dns', [rule(['list', 'watch'], [''], ['endpoints', 'services'])]),
    // skiff's built-in add-ons, as their upstream manifests bring them: the cluster DNS (CoreDNS's
    // system:coredns) and the NetworkPolicy enforcer every node agent runs (kube-router's rules).
    clusterRole('system:coredns', [
      rule(['list', 'watch'], [''], ['endpoints', 'namespaces', 'pods', 'services']),
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ]),
    // skiff's service load balancer (`skiff servicelb`, run by `skiff up`): addresses for LoadBalancer
    // Services and routes to nodes, as a cloud's service controller or MetalLB's controller.
    clusterRole('system:skiff:servicelb', [
      rule(['get', 'list', 'watch'], [''], ['services']),
      rule(['update', 'patch'], [''], ['services/status']),
      rule(['get', 'list', 'watch'], [''], ['nodes']),
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
      eventsRule(),
    ]),
    clusterRole('system:skiff:network-policy', [
      rule(['list', 'watch'], [''], ['namespaces', 'pods']),
      rule(['list', 'watch'], ['networking.k8s.io'], ['networkpolicies']),
    ]),
    clusterRole('system:persistent-volume-provisioner', [
      rule(['get', 'list', 'watch', 'create', 'delete'], [''], ['persistentvolumes']),
      rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
      rule(READ, [STORAGE], ['storageclasses']),
      rule(['watch'], [''], ['events']),
      eventsRule(),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], [CERTS], ['certificatesigningrequests/nodeclient'])]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], [CERTS], ['certificatesigningrequests/selfnodeclient'])]),
    clusterRole('system:volume-scheduler', [
      rule(READ_UPDATE, [''], ['persistentvolumes']),
      rule(READ, [STORAGE], ['storageclasses']),
      rule(READ_UPDATE, [''], ['persistentvolumeclaims']),
    ]),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', [rule(['approve'], [CERTS], ['signers'], ['kubernetes.io/legacy-unknown'])]),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [rule(['approve'], [CERTS], ['signers'], ['kubernetes.io/kubelet-serving'])]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [rule(['approve'], [CERTS], ['signers'], ['kubernetes.io/kube-apiserver-client'])]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [rule(['approve'], [CERTS], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])]),
    clusterRole('system:service-account-issuer-discovery', [urlRule(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])]),
    clusterRole('system:node-proxier', [
      rule(['list', 'watch'], [''], ['services', 'endpoints']),
      rule(['get', 'list', 'watch'], [''], ['nodes']),
      eventsRule(),
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ]),
    clusterRole('system:kube-scheduler', [
      eventsRule(),
      rule(['create'], [COORD], ['leases']),
      rule(['get', 'update'], [COORD], ['leases'], ['kube-scheduler']),
      rule(['create'], [''], ['endpoints']),
      rule(['get', 'update'], [''], ['endpoints'], ['kube-scheduler']),
      rule(READ, [''], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
      rule(['create'], [''], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(READ, [''], ['services', 'replicationcontrollers']),
      rule(READ, ['apps', 'extensions'], ['replicasets']),
      rule(READ, ['apps'], ['statefulsets']),
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], [AUTHN], ['tokenreviews']),
      rule(['create'], [AUTHZ], ['subjectaccessreviews']),
      rule(READ, [STORAGE], ['csinodes']),
      rule(READ, [''], ['namespaces']),
      rule(READ, [STORAGE], ['csidrivers']),
      rule(READ, [STORAGE], ['csistoragecapacities']),
    ]),
    ...controllerRoles(),
  ];
}

/** A binding under another name than its role's (kubeadm's bindings). */
function renamed(b: RoleBinding, name: string): RoleBinding {
  return { ...b, metadata: { ...b.metadata, name } };
}

/** The default ClusterRoleBindings (controller bindings included). */
export function clusterRoleBindings(): RoleBinding[] {
  return [
    clusterBinding('cluster-admin', groups('system:masters')),
    clusterBinding('system:monitoring', groups('system:monitoring')),
    clusterBinding('system:discovery', groups('system:authenticated')),
    clusterBinding('system:basic-user', groups('system:authenticated')),
    clusterBinding('system:public-info-viewer', groups('system:authenticated', 'system:unauthenticated')),
    clusterBinding('system:node-proxier', users('system:kube-proxy')),
    clusterBinding('system:kube-controller-manager', users('system:kube-controller-manager')),
    clusterBinding('system:kube-dns', [serviceAccount(KUBE_SYSTEM, 'kube-dns')]),
    clusterBinding('system:coredns', [...users('system:coredns'), serviceAccount(KUBE_SYSTEM, 'coredns')]),
    clusterBinding('system:skiff:network-policy', groups('system:nodes')),
    clusterBinding('system:skiff:servicelb', users('system:skiff:servicelb')),
    clusterBinding('system:kube-scheduler', users('system:kube-scheduler')),
    clusterBinding('system:skiff:trace-exporter', [...users('system:kube-controller-manager', 'system:kube-scheduler'), ...groups('system:nodes')]),
    clusterBinding('system:volume-scheduler', users('system:kube-scheduler')),
    // Kept without subjects: the Node authorizer grants nodes their rules since 1.8.
    clusterBinding('system:node', []),
    clusterBinding('system:node-bootstrapper', groups('system:bootstrappers')),
    // What kubeadm sets up so joining works unattended: bootstrap tokens may ask for node client
    // certificates, nodes may renew their own; the csrapproving controller approves both.
    renamed(clusterBinding('system:certificates.k8s.io:certificatesigningrequests:nodeclient', groups('system:bootstrappers')), 'kubeadm:node-autoapprove-bootstrap'),
    renamed(clusterBinding('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', groups('system:nodes')), 'kubeadm:node-autoapprove-certificate-rotation'),
    clusterBinding('system:service-account-issuer-discovery', groups('system:serviceaccounts')),
    ...controllerRoleBindings(),
  ];
}

/** The default namespaced Roles (kube-system). */
export function namespaceRoles(): Role[] {
  return [
    role(KUBE_SYSTEM, 'extension-apiserver-authentication-reader', [rule(['get', 'list', 'watch'], [''], ['configmaps'], ['extension-apiserver-authentication'])]),
    role(KUBE_SYSTEM, 'system::leader-locking-kube-controller-manager', [
      rule(['watch'], [''], ['configmaps']),
      rule(['get', 'update'], [''], ['configmaps'], ['kube-controller-manager']),
    ]),
    role(KUBE_SYSTEM, 'system::leader-locking-kube-scheduler', [
      rule(['watch'], [''], ['configmaps']),
      rule(['get', 'update'], [''], ['configmaps'], ['kube-scheduler']),
    ]),
  ];
}

/** The default namespaced RoleBindings (kube-system). */
export function namespaceRoleBindings(): RoleBinding[] {
  return [
    roleBinding(KUBE_SYSTEM, 'system::extension-apiserver-authentication-reader', 'extension-apiserver-authentication-reader',
      users('system:kube-controller-manager', 'system:kube-scheduler')),
    roleBinding(KUBE_SYSTEM, 'system::leader-locking-kube-controller-manager', 'system::leader-locking-kube-controller-manager',
      [...users('system:kube-controller-manager'), serviceAccount(KUBE_SYSTEM, 'kube-controller-manager')]),
    roleBinding(KUBE_SYSTEM, 'system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler',
      [...users('system:kube-scheduler'), serviceAccount(KUBE_SYSTEM, 'kube-scheduler')]),
  ];
}

export interface BootstrapPolicy { clusterRoles: ClusterRole[]; clusterRoleBindings: RoleBinding[]; roles: Role[]; roleBindings: RoleBinding[] }

/** Everything the server reconciles at start. */
export function bootstrapPolicy(): BootstrapPolicy {
  return { clusterRoles: clusterRoles(), clusterRoleBindings: clusterRoleBindings(), roles: namespaceRoles(), roleBindings: namespaceRoleBindings() };
}
