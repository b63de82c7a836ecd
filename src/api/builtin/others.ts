/**
 * @module api/builtin/others
 * discovery.k8s.io, networking.k8s.io, coordination.k8s.io, events.k8s.io,
 * rbac.authorization.k8s.io, scheduling.k8s.io, policy and apiextensions.k8s.io kinds.
 */
import { define } from '../schema/registry.js';
import { obj, str, int32, int64, bool, arr, mapOf, ref, intOrString, enumStr, setOf } from '../schema/builders.js';
import type { Schema } from '../schema/types.js';
import { CORE, META, free, kind } from './common.js';

kind({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true, required: ['addressType', 'endpoints'],
  props: { addressType: enumStr(['FQDN', 'IPv4', 'IPv6']),
    endpoints: arr(obj({ addresses: setOf(str()), conditions: obj({ ready: bool(), serving: bool(), terminating: bool() }), deprecatedTopology: mapOf(str()),
      hints: free(), hostname: str(), nodeName: str(), targetRef: ref(`${CORE}.ObjectReference`), zone: str() }, { required: ['addresses'] })),
    ports: arr(obj({ appProtocol: str(), name: str(), port: int32(), protocol: str() }, { mapType: 'atomic' })) } });

const peer = obj({ ipBlock: obj({ cidr: str(), except: arr(str()) }, { required: ['cidr'] }), namespaceSelector: ref(`${META}.LabelSelector`), podSelector: ref(`${META}.LabelSelector`) });
const npPort = obj({ endPort: int32(), port: intOrString(), protocol: enumStr(['SCTP', 'TCP', 'UDP']) });
kind({ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, shortNames: ['netpol'],
  props: { spec: obj({ egress: arr(obj({ ports: arr(npPort), to: arr(peer) })), ingress: arr(obj({ from: arr(peer), ports: arr(npPort) })),
    podSelector: ref(`${META}.LabelSelector`), policyTypes: arr(enumStr(['Egress', 'Ingress'])) }) },
  defaulter: (o) => {
    const s = o?.spec; if (!s) return;
    for (const r of [...(s.ingress ?? []), ...(s.egress ?? [])]) for (const p of r?.ports ?? []) if (p) p.protocol ??= 'TCP';
    if (!s.policyTypes) s.policyTypes = ['Ingress', ...(s.egress?.length ? ['Egress'] : [])];
  } });
const backend = obj({ resource: ref(`${CORE}.TypedLocalObjectReference`), service: obj({ name: str(), port: obj({ name: str(), number: int32() }) }, { required: ['name'] }) });
define(`${CORE}.TypedLocalObjectReference`, obj({ apiGroup: str(), kind: str(), name: str() }, { required: ['kind', 'name'], mapType: 'atomic' }));
kind({ group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', namespaced: true, shortNames: ['ing'], subresources: { status: true }, storagePrefix: 'ingress',
  props: { spec: obj({ defaultBackend: backend, ingressClassName: str(),
    rules: arr(obj({ host: str(), http: obj({ paths: arr(obj({ backend, path: str(), pathType: enumStr(['Exact', 'ImplementationSpecific', 'Prefix']) }, { required: ['pathType', 'backend'] })) }, { required: ['paths'] }) })),
    tls: arr(obj({ hosts: arr(str()), secretName: str() })) }), status: ref('io.k8s.api.networking.v1.IngressStatus') } });
kind({ group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', plural: 'ingressclasses', namespaced: false,
  props: { spec: obj({ controller: str(), parameters: free() }) } });
kind({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true,
  props: { spec: obj({ acquireTime: ref(`${META}.MicroTime`), holderIdentity: str(), leaseDurationSeconds: int32(), leaseTransitions: int32(),
    preferredHolder: str(), renewTime: ref(`${META}.MicroTime`), strategy: str() }) } });
kind({ group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'], storagePrefix: 'events', required: ['eventTime'],
  props: { action: str(), deprecatedCount: int32(), deprecatedFirstTimestamp: ref(`${META}.Time`), deprecatedLastTimestamp: ref(`${META}.Time`),
    deprecatedSource: obj({ component: str(), host: str() }), eventTime: ref(`${META}.MicroTime`), note: str(), reason: str(), regarding: ref(`${CORE}.ObjectReference`),
    related: ref(`${CORE}.ObjectReference`), reportingController: str(), reportingInstance: str(), series: obj({ count: int32(), lastObservedTime: ref(`${META}.MicroTime`) }), type: str() } });

define('io.k8s.api.rbac.v1.PolicyRule', obj({ apiGroups: arr(str()), nonResourceURLs: arr(str()), resourceNames: arr(str()), resources: arr(str()), verbs: arr(str()) }, { required: ['verbs'] }));
const subjects = arr(obj({ apiGroup: str(), kind: str(), name: str(), namespace: str() }, { required: ['kind', 'name'], mapType: 'atomic' }));
const roleRef = obj({ apiGroup: str(), kind: str(), name: str() }, { required: ['apiGroup', 'kind', 'name'], mapType: 'atomic' });
const rules = arr(ref('io.k8s.api.rbac.v1.PolicyRule'));
kind({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true, props: { rules } });
kind({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false,
  props: { aggregationRule: obj({ clusterRoleSelectors: arr(ref(`${META}.LabelSelector`)) }), rules } });
kind({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, props: { roleRef, subjects }, required: ['roleRef'] });
kind({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false, props: { roleRef, subjects }, required: ['roleRef'] });
kind({ group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, shortNames: ['pc'], required: ['value'],
  props: { description: str(), globalDefault: bool(), preemptionPolicy: enumStr(['Never', 'PreemptLowerPriority']), value: int32() },
  defaulter: (o) => { o.preemptionPolicy ??= 'PreemptLowerPriority'; } });
kind({ group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb'], subresources: { status: true },
  props: { spec: obj({ maxUnavailable: intOrString(), minAvailable: intOrString(), selector: ref(`${META}.LabelSelector`), unhealthyPodEvictionPolicy: str() }), status: ref('io.k8s.api.policy.v1.PodDisruptionBudgetStatus') } });
define('io.k8s.api.policy.v1.Eviction', { ...obj({ apiVersion: str(), kind: str(), deleteOptions: free(), metadata: ref(`${META}.ObjectMeta`) }), 'x-kubernetes-group-version-kind': [{ group: 'policy', version: 'v1', kind: 'Eviction' }] });

// apiextensions: JSONSchemaProps is recursive; the CRD strategy checks what the schema cannot say.
const AX = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
const jsp = ref(`${AX}.JSONSchemaProps`);
const anyJSON: Schema = { 'x-kubernetes-preserve-unknown-fields': true };
define(`${AX}.JSONSchemaProps`, obj({
  $ref: str(), $schema: str(), additionalItems: anyJSON, additionalProperties: anyJSON, allOf: arr(jsp), anyOf: arr(jsp), default: anyJSON,
  definitions: mapOf(jsp), dependencies: mapOf(anyJSON), description: str(), enum: arr(anyJSON), example: anyJSON, exclusiveMaximum: bool(), exclusiveMinimum: bool(),
  externalDocs: obj({ description: str(), url: str() }), format: str(), id: str(), items: anyJSON, maxItems: int64(), maxLength: int64(), maxProperties: int64(),
  maximum: { type: 'number' }, minItems: int64(), minLength: int64(), minProperties: int64(), minimum: { type: 'number' }, multipleOf: { type: 'number' },
  not: jsp, nullable: bool(), oneOf: arr(jsp), pattern: str(), patternProperties: mapOf(jsp), properties: mapOf(jsp), required: arr(str()), title: str(), type: str(),
  uniqueItems: bool(), 'x-kubernetes-embedded-resource': bool(), 'x-kubernetes-int-or-string': bool(), 'x-kubernetes-list-map-keys': arr(str()),
  'x-kubernetes-list-type': str(), 'x-kubernetes-map-type': str(), 'x-kubernetes-preserve-unknown-fields': bool(), 'x-kubernetes-validations': arr(free()),
}));
const printerColumn = obj({ description: str(), format: str(), jsonPath: str(), name: str(), priority: int32(), type: str() }, { required: ['name', 'type', 'jsonPath'] });
const subresources = obj({ scale: obj({ labelSelectorPath: str(), specReplicasPath: str(), statusReplicasPath: str() }, { required: ['specReplicasPath', 'statusReplicasPath'] }), status: free() });
kind({ group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds'],
  subresources: { status: true }, storagePrefix: 'apiextensions.k8s.io/customresourcedefinitions', definition: `${AX}.CustomResourceDefinition`, required: ['spec'],
  props: {
    spec: obj({
      conversion: obj({ strategy: enumStr(['None', 'Webhook']), webhook: free() }), group: str(),
      names: obj({ categories: arr(str()), kind: str(), listKind: str(), plural: str(), shortNames: arr(str()), singular: str() }, { required: ['plural', 'kind'] }),
      preserveUnknownFields: bool(), scope: str(),
      versions: arr(obj({ additionalPrinterColumns: arr(printerColumn), deprecated: bool(), deprecationWarning: str(), name: str(),
        schema: obj({ openAPIV3Schema: jsp }), selectableFields: arr(obj({ jsonPath: str() })), served: bool(), storage: bool(), subresources }, { required: ['name', 'served', 'storage'] })),
    }, { required: ['group', 'names', 'scope', 'versions'] }),
    status: free(),
  },
  defaulter: (o) => {
    const s = o?.spec; if (!s) return;
    s.conversion ??= { strategy: 'None' };
    if (s.names) { s.names.singular ??= String(s.names.kind ?? '').toLowerCase(); s.names.listKind ??= `${s.names.kind}List`; }
  } });
