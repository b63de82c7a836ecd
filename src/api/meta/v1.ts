/**
 * @module api/meta/v1
 * The meta/v1 and apimachinery definitions every kind references: ObjectMeta, ListMeta, LabelSelector,
 * Status, DeleteOptions, WatchEvent, discovery shapes, and the scalar types (Time, Quantity, IntOrString).
 * Shapes, patch metadata and list types follow Kubernetes' published OpenAPI v3 documents.
 */
import { define } from '../schema/registry.js';
import { obj, str, bool, int32, int64, arr, setOf, mapOf, ref, time } from '../schema/builders.js';
import type { Schema } from '../schema/types.js';

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const OBJECT_META = `${META}.ObjectMeta`;
export const LIST_META = `${META}.ListMeta`;
export const LABEL_SELECTOR = `${META}.LabelSelector`;
export const TIME = `${META}.Time`;
export const MICRO_TIME = `${META}.MicroTime`;
export const CONDITION = `${META}.Condition`;
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

const atomicStrings = (description?: string): Schema => arr(str(), { description });

// Scalars. Quantity and IntOrString are published in v3 as a oneOf of their JSON types; the v2 writer
// turns them back into `type: string` (with `format: int-or-string` for IntOrString), as Kubernetes does.
define(TIME, { type: 'string', format: 'date-time', description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.' });
define(MICRO_TIME, { type: 'string', format: 'date-time', description: 'MicroTime is version of Time with microsecond level precision.' });
define(`${META}.Duration`, { type: 'string', description: 'Duration is a wrapper around time.Duration which supports correct marshaling to YAML and JSON.' });
define(QUANTITY, {
  description: 'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.',
  oneOf: [{ type: 'string' }, { type: 'number' }],
});
define(INT_OR_STRING, {
  description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
  format: 'int-or-string',
  oneOf: [{ type: 'integer' }, { type: 'string' }],
});
define(RAW_EXTENSION, { type: 'object', description: 'RawExtension is used to hold extensions in external versions.', 'x-kubernetes-preserve-unknown-fields': true });
define(`${META}.FieldsV1`, { type: 'object', description: "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.", 'x-kubernetes-preserve-unknown-fields': true });
define(`${META}.Patch`, { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' });

define(`${META}.OwnerReference`, obj({
  apiVersion: str('API version of the referent.'),
  blockOwnerDeletion: bool('If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.'),
  controller: bool('If true, this reference points to the managing controller.'),
  kind: str('Kind of the referent.'),
  name: str('Name of the referent.'),
  uid: str('UID of the referent.'),
}, { required: ['apiVersion', 'kind', 'name', 'uid'], mapType: 'atomic', description: 'OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped, so there is no namespace field.' }));

define(`${META}.ManagedFieldsEntry`, obj({
  apiVersion: str('APIVersion defines the version of this resource that this field set applies to.'),
  fieldsType: str('FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1"'),
  fieldsV1: ref(`${META}.FieldsV1`, 'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.'),
  manager: str('Manager is an identifier of the workflow managing these fields.'),
  operation: str("Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'."),
  subresource: str('Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.'),
  time: time('Time is the timestamp of when the ManagedFields entry was added.'),
}, { description: 'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.' }));

define(OBJECT_META, obj({
  annotations: mapOf(str(), { description: 'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.' }),
  creationTimestamp: time('CreationTimestamp is a timestamp representing the server time when this object was created.'),
  deletionGracePeriodSeconds: int64('Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set.'),
  deletionTimestamp: time('DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.'),
  finalizers: setOf(str(), 'Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list.'),
  generateName: str('GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.'),
  generation: int64('A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.'),
  labels: mapOf(str(), { description: 'Map of string keys and values that can be used to organize and categorize (scope and select) objects.' }),
  managedFields: arr(ref(`${META}.ManagedFieldsEntry`), { description: 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.' }),
  name: str('Name must be unique within a namespace. Cannot be updated.'),
  namespace: str('Namespace defines the space within which each name must be unique. Cannot be updated.'),
  ownerReferences: arr(ref(`${META}.OwnerReference`), { mergeKey: 'uid', listMapKeys: ['uid'], description: 'List of objects depended by this object.' }),
  resourceVersion: str('An opaque value that represents the internal version of this object. Read-only.'),
  selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
  uid: str('UID is the unique in time and space value for this object. Populated by the system. Read-only.'),
}, { description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.' }));

define(LIST_META, obj({
  continue: str('continue may be set if the user set a limit on the number of items returned.'),
  remainingItemCount: int64('remainingItemCount is the number of subsequent items in the list which are not included in this list response.'),
  resourceVersion: str("String that identifies the server's internal version of this object."),
  selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
}, { description: 'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.' }));

define(`${META}.LabelSelectorRequirement`, obj({
  key: str('key is the label key that the selector applies to.'),
  operator: str("operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist."),
  values: atomicStrings('values is an array of string values.'),
}, { required: ['key', 'operator'], description: 'A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.' }));

define(LABEL_SELECTOR, obj({
  matchExpressions: arr(ref(`${META}.LabelSelectorRequirement`), { description: 'matchExpressions is a list of label selector requirements. The requirements are ANDed.' }),
  matchLabels: mapOf(str(), { description: 'matchLabels is a map of {key,value} pairs.' }),
}, { mapType: 'atomic', description: 'A label selector is a label query over a set of resources.' }));

define(CONDITION, obj({
  lastTransitionTime: time('lastTransitionTime is the last time the condition transitioned from one status to another.'),
  message: str('message is a human readable message indicating details about the transition.'),
  observedGeneration: int64('observedGeneration represents the .metadata.generation that the condition was set based upon.'),
  reason: str("reason contains a programmatic identifier indicating the reason for the condition's last transition."),
  status: str('status of the condition, one of True, False, Unknown.'),
  type: str('type of condition in CamelCase or in foo.example.com/CamelCase.'),
}, { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'], description: 'Condition contains details for one aspect of the current state of this API Resource.' }));

define(`${META}.StatusCause`, obj({
  field: str('The field of the resource that has caused this error, as named by its JSON serialization.'),
  message: str('A human-readable description of the cause of the error.'),
  reason: str('A machine-readable description of the cause of the error.'),
}, { description: 'StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.' }));

define(`${META}.StatusDetails`, obj({
  causes: arr(ref(`${META}.StatusCause`), { description: 'The Causes array includes more details associated with the StatusReason failure.' }),
  group: str('The group attribute of the resource associated with the status StatusReason.'),
  kind: str('The kind attribute of the resource associated with the status StatusReason.'),
  name: str('The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).'),
  retryAfterSeconds: int32('If specified, the time in seconds before the operation should be retried.'),
  uid: str('UID of the resource.'),
}, { description: 'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.' }));

define(`${META}.Status`, {
  ...obj({
    apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
    code: int32('Suggested HTTP return code for this status, 0 if not set.'),
    details: ref(`${META}.StatusDetails`, 'Extended data associated with the reason.'),
    kind: str('Kind is a string value representing the REST resource this object represents.'),
    message: str('A human-readable description of the status of this operation.'),
    metadata: ref(LIST_META, 'Standard list metadata.'),
    reason: str('A machine-readable description of why this operation is in the "Failure" status.'),
    status: str('Status of the operation. One of: "Success" or "Failure".'),
  }, { description: 'Status is a return value for calls that don\'t return other objects.' }),
  'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Status' }],
});

define(`${META}.Preconditions`, obj({
  resourceVersion: str('Specifies the target ResourceVersion'),
  uid: str('Specifies the target UID.'),
}, { description: 'Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.' }));

/** Groups whose requests accept DeleteOptions (Kubernetes lists every served group-version). */
export const DELETE_OPTIONS_GVKS = [
  ['', 'v1'], ['admission.k8s.io', 'v1'], ['apps', 'v1'], ['autoscaling', 'v1'], ['autoscaling', 'v2'], ['batch', 'v1'],
  ['coordination.k8s.io', 'v1'], ['discovery.k8s.io', 'v1'], ['events.k8s.io', 'v1'], ['networking.k8s.io', 'v1'],
  ['node.k8s.io', 'v1'], ['policy', 'v1'], ['rbac.authorization.k8s.io', 'v1'], ['scheduling.k8s.io', 'v1'],
  ['storage.k8s.io', 'v1'], ['apiextensions.k8s.io', 'v1'], ['admissionregistration.k8s.io', 'v1'], ['certificates.k8s.io', 'v1'],
].map(([group, version]) => ({ group, version, kind: 'DeleteOptions' }));

define(`${META}.DeleteOptions`, {
  ...obj({
    apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
    dryRun: atomicStrings('When present, indicates that modifications should not be persisted.'),
    gracePeriodSeconds: int64('The duration in seconds before the object should be deleted.'),
    ignoreStoreReadErrorWithClusterBreakingPotential: bool('if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.'),
    kind: str('Kind is a string value representing the REST resource this object represents.'),
    orphanDependents: bool('Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.'),
    preconditions: ref(`${META}.Preconditions`, 'Must be fulfilled before a deletion is carried out.'),
    propagationPolicy: str("Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
  }, { description: 'DeleteOptions may be provided when deleting an API object.' }),
  'x-kubernetes-group-version-kind': DELETE_OPTIONS_GVKS,
});

define(`${META}.WatchEvent`, {
  ...obj({
    object: ref(RAW_EXTENSION, 'Object is: * If Type is Added or Modified: the new state of the object. * If Type is Deleted: the state of the object immediately before deletion. * If Type is Error: *Status is recommended.'),
    type: str(),
  }, { required: ['type', 'object'], description: 'Event represents a single event to a watched resource.' }),
  'x-kubernetes-group-version-kind': DELETE_OPTIONS_GVKS.map((g) => ({ ...g, kind: 'WatchEvent' })),
});

define(`${META}.APIResource`, obj({
  categories: atomicStrings('categories is a list of the grouped resources this resource belongs to (e.g. \'all\')'),
  group: str('group is the preferred group of the resource.'),
  kind: str("kind is the kind for the resource (e.g. 'Foo' is the kind for a resource 'foo')"),
  name: str('name is the plural name of the resource.'),
  namespaced: bool('namespaced indicates if a resource is namespaced or not.'),
  shortNames: atomicStrings('shortNames is a list of suggested short names of the resource.'),
  singularName: str('singularName is the singular name of the resource.'),
  storageVersionHash: str('The hash value of the storage version, the version this resource is converted to when written to the data store.'),
  verbs: atomicStrings('verbs is a list of supported kube verbs (this includes get, list, watch, create, update, patch, delete, deletecollection, and proxy)'),
  version: str('version is the preferred version of the resource.'),
}, { required: ['name', 'singularName', 'namespaced', 'kind', 'verbs'], description: 'APIResource specifies the name of a resource and whether it is namespaced.' }));

define(`${META}.APIResourceList`, {
  ...obj({
    apiVersion: str(), groupVersion: str('groupVersion is the group and version this APIResourceList is for.'), kind: str(),
    resources: arr(ref(`${META}.APIResource`), { description: 'resources contains the name of the resources and if they are namespaced.' }),
  }, { required: ['groupVersion', 'resources'], description: 'APIResourceList is a list of APIResource, it is used to expose the name of the resources supported in a specific group and version, and if the resource is namespaced.' }),
  'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'APIResourceList' }],
});

define(`${META}.GroupVersionForDiscovery`, obj({
  groupVersion: str('groupVersion specifies the API group and version in the form "group/version"'),
  version: str('version specifies the version in the form of "version".'),
}, { required: ['groupVersion', 'version'], description: 'GroupVersion contains the "group/version" and "version" string of a version.' }));

define(`${META}.ServerAddressByClientCIDR`, obj({
  clientCIDR: str('The CIDR with which clients can match their IP to figure out the server address that they should use.'),
  serverAddress: str('Address of this server, suitable for a client that matches the above CIDR.'),
}, { required: ['clientCIDR', 'serverAddress'] }));

define(`${META}.APIGroup`, {
  ...obj({
    apiVersion: str(), kind: str(), name: str('name is the name of the group.'),
    preferredVersion: ref(`${META}.GroupVersionForDiscovery`, 'preferredVersion is the version preferred by the API server.'),
    serverAddressByClientCIDRs: arr(ref(`${META}.ServerAddressByClientCIDR`)),
    versions: arr(ref(`${META}.GroupVersionForDiscovery`), { description: 'versions are the versions supported in this group.' }),
  }, { required: ['name', 'versions'], description: 'APIGroup contains the name, the supported versions, and the preferred version of a group.' }),
  'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'APIGroup' }],
});

define(`${META}.APIGroupList`, {
  ...obj({ apiVersion: str(), kind: str(), groups: arr(ref(`${META}.APIGroup`), { description: 'groups is a list of APIGroup.' }) },
    { required: ['groups'], description: 'APIGroupList is a list of APIGroup, to allow clients to discover the API at /apis.' }),
  'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'APIGroupList' }],
});

define(`${META}.APIVersions`, {
  ...obj({
    apiVersion: str(), kind: str(),
    serverAddressByClientCIDRs: arr(ref(`${META}.ServerAddressByClientCIDR`)),
    versions: atomicStrings('versions are the api versions that are available.'),
  }, { required: ['versions', 'serverAddressByClientCIDRs'], description: 'APIVersions lists the versions that are available, to allow clients to discover the API at /api, which is the root path of the legacy v1 API.' }),
  'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'APIVersions' }],
});

define('io.k8s.apimachinery.pkg.version.Info', obj({
  buildDate: str(), compiler: str(), gitCommit: str(), gitTreeState: str(), gitVersion: str(),
  goVersion: str(), major: str(), minor: str(), platform: str(),
}, { required: ['major', 'minor', 'gitVersion', 'gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform'], description: 'Info contains versioning information.' }));
