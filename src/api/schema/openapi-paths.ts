/**
 * @module api/schema/openapi-paths
 * The operations every served resource has (list, create, deletecollection, read, replace, patch,
 * delete, watch, status and scale subresources), described once and rendered by openapi.ts as Swagger 2.0
 * or OpenAPI 3.0. Names, actions, parameters and media types follow Kubernetes' published documents.
 */
import type { GroupVersionKind, ResourceInfo } from './types.js';

export interface Param { name: string; in: 'query' | 'path' | 'body'; type: 'string' | 'integer' | 'boolean'; description: string; required?: boolean; schemaRef?: string }
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  operationId: string; description: string; action: string; gvk?: GroupVersionKind; tag: string;
  params: Param[]; consumes: string[]; produces: string[];
  responses: Record<string, string | null>;
}
export interface PathItem { path: string; params: Param[]; ops: Operation[] }

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const q = (name: string, type: Param['type'], description: string): Param => ({ name, in: 'query', type, description });

export const P = {
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  dryRun: q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  fieldValidation: q('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.'),
  force: q('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.'),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
  ignoreStoreReadError: q('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean', 'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.'),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion.'),
  continue: q('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  fieldSelector: q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  labelSelector: q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  limit: q('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  resourceVersion: q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls. Defaults to unset'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection.'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
  watch: q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'),
  namespace: { name: 'namespace', in: 'path', type: 'string', required: true, description: 'object name and auth scope, such as for teams and projects' } as Param,
};
const nameParam = (kind: string, sub = ''): Param => ({ name: 'name', in: 'path', type: 'string', required: true, description: `name of the ${sub || kind}` });
const body = (ref: string): Param => ({ name: 'body', in: 'body', type: 'string', required: true, description: '', schemaRef: ref });
const listParams = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];

export const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
export const PRODUCES_LIST = [...PRODUCES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
export const PRODUCES_WATCH = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

/** `rbac.authorization.k8s.io` -> `RbacAuthorization`, '' -> `Core`, `stable.example.com` -> `StableExampleCom`. */
export function groupCamel(group: string): string {
  if (!group) return 'Core';
  return group.replace(/\.k8s\.io$/, '').split(/[.-]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}
/** The tag Kubernetes gives a group-version's operations: `core_v1`, `apps_v1`, `rbacAuthorization_v1`. */
export function tagOf(group: string, version: string): string {
  const g = groupCamel(group);
  return `${g.charAt(0).toLowerCase()}${g.slice(1)}_${version}`;
}
/** `/api/v1` or `/apis/<group>/<version>`. */
export function gvPrefix(group: string, version: string): string { return group ? `/apis/${group}/${version}` : `/api/${version}`; }
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** All path items of one resource (collection, item, subresources, watch paths). */
export function resourcePaths(r: ResourceInfo): PathItem[] {
  const verbs = new Set(r.verbs ?? ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const tag = tagOf(r.group, r.version);
  const prefix = gvPrefix(r.group, r.version);
  const idBase = `${groupCamel(r.group)}${cap(r.version)}`;
  const ns = r.namespaced ? 'Namespaced' : '';
  const nsPath = r.namespaced ? '/namespaces/{namespace}' : '';
  const scopeParams = r.namespaced ? [P.namespace] : [];
  const def = r.definition;
  const listDef = `${def}List`;
  const op = (method: Operation['method'], verb: string, action: string, description: string, params: Param[], responses: Record<string, string | null>,
    extra: Partial<Operation> = {}): Operation => ({
    method, operationId: `${verb}${idBase}${ns}${r.kind}${extra.operationId ?? ''}`, description, action, gvk, tag, params, consumes: ['*/*'], produces: PRODUCES, responses, ...extra,
    ...(extra.operationId !== undefined ? { operationId: `${verb}${idBase}${ns}${r.kind}${extra.operationId}` } : {}),
  });
  const writeParams = [P.dryRun, P.fieldManager, P.fieldValidation];
  const items: PathItem[] = [];

  const collection: Operation[] = [];
  if (verbs.has('list')) collection.push(op('get', 'list', 'list', `list or watch objects of kind ${r.kind}`, listParams, { 200: listDef, 401: null }, { produces: PRODUCES_LIST }));
  if (verbs.has('create')) collection.push(op('post', 'create', 'post', `create a ${r.kind}`, [body(def), ...writeParams], { 200: def, 201: def, 202: def, 401: null }));
  if (verbs.has('deletecollection')) {
    collection.push(op('delete', 'deleteCollection', 'deletecollection', `delete collection of ${r.kind}`,
      [body(`${META}.DeleteOptions`), P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.ignoreStoreReadError, P.labelSelector, P.limit, P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds],
      { 200: `${META}.Status`, 401: null }));
  }
  if (collection.length) items.push({ path: `${prefix}${nsPath}/${r.plural}`, params: [...scopeParams, P.pretty], ops: collection });

  const item: Operation[] = [];
  const itemParams = [nameParam(r.kind), ...scopeParams, P.pretty];
  if (verbs.has('get')) item.push(op('get', 'read', 'get', `read the specified ${r.kind}`, [], { 200: def, 401: null }));
  if (verbs.has('update')) item.push(op('put', 'replace', 'put', `replace the specified ${r.kind}`, [body(def), ...writeParams], { 200: def, 201: def, 401: null }));
  if (verbs.has('patch')) {
    item.push(op('patch', 'patch', 'patch', `partially update the specified ${r.kind}`, [body(`${META}.Patch`), ...writeParams, P.force],
      { 200: def, 201: def, 401: null }, { consumes: PATCH_TYPES }));
  }
  if (verbs.has('delete')) {
    item.push(op('delete', 'delete', 'delete', `delete a ${r.kind}`, [body(`${META}.DeleteOptions`), P.dryRun, P.gracePeriodSeconds, P.ignoreStoreReadError, P.orphanDependents, P.propagationPolicy],
      { 200: `${META}.Status`, 202: `${META}.Status`, 401: null }));
  }
  if (item.length) items.push({ path: `${prefix}${nsPath}/${r.plural}/{name}`, params: itemParams, ops: item });

  const subresource = (sub: string, subDef: string, subGvk: GroupVersionKind, label: string): void => {
    const ops: Operation[] = [];
    const suffix = cap(sub);
    const so = (o: Operation): Operation => ({ ...o, gvk: subGvk, operationId: o.operationId + suffix });
    if (verbs.has('get')) ops.push(so(op('get', 'read', 'get', `read ${label} of the specified ${r.kind}`, [], { 200: subDef, 401: null })));
    if (verbs.has('update')) ops.push(so(op('put', 'replace', 'put', `replace ${label} of the specified ${r.kind}`, [body(subDef), ...writeParams], { 200: subDef, 201: subDef, 401: null })));
    if (verbs.has('patch')) {
      ops.push(so(op('patch', 'patch', 'patch', `partially update ${label} of the specified ${r.kind}`, [body(`${META}.Patch`), ...writeParams, P.force],
        { 200: subDef, 201: subDef, 401: null }, { consumes: PATCH_TYPES })));
    }
    if (ops.length) items.push({ path: `${prefix}${nsPath}/${r.plural}/{name}/${sub}`, params: [nameParam(r.kind, label), ...scopeParams, P.pretty], ops });
  };
  if (r.subresources?.status) subresource('status', def, gvk, 'status');
  if (r.subresources?.scale) {
    subresource('scale', 'io.k8s.api.autoscaling.v1.Scale', { group: 'autoscaling', version: 'v1', kind: 'Scale' }, 'scale');
  }

  if (verbs.has('watch')) {
    const watchEv = `${META}.WatchEvent`;
    const w = (verb: string, action: string, description: string, suffix: string): Operation => ({
      ...op('get', verb, action, description, listParams, { 200: watchEv, 401: null }, { produces: PRODUCES_WATCH }), operationId: `${verb}${idBase}${ns}${r.kind}${suffix}`,
    });
    items.push({ path: `${prefix}/watch${nsPath}/${r.plural}`, params: [...scopeParams, P.pretty],
      ops: [w('watch', 'watchlist', `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`, 'List')] });
    items.push({ path: `${prefix}/watch${nsPath}/${r.plural}/{name}`, params: [nameParam(r.kind), ...scopeParams, P.pretty],
      ops: [w('watch', 'watch', `watch changes to an object of kind ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`, '')] });
  }
  if (r.namespaced && verbs.has('list')) {
    const all = (verb: string, action: string, resp: string, produces: string[], description: string, suffix: string): Operation => ({
      method: 'get', operationId: `${verb}${idBase}${r.kind}${suffix}`, description, action, gvk, tag, params: listParams,
      consumes: ['*/*'], produces, responses: { 200: resp, 401: null },
    });
    items.push({ path: `${prefix}/${r.plural}`, params: [P.pretty], ops: [all('list', 'list', listDef, PRODUCES_LIST, `list or watch objects of kind ${r.kind}`, 'ForAllNamespaces')] });
    if (verbs.has('watch')) {
      items.push({ path: `${prefix}/watch/${r.plural}`, params: [P.pretty],
        ops: [all('watch', 'watchlist', `${META}.WatchEvent`, PRODUCES_WATCH, `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`, 'ListForAllNamespaces')] });
    }
  }
  return items;
}

/** `GET /apis/<group>/<version>/`: the group-version's APIResourceList. */
export function resourcesPath(group: string, version: string): PathItem {
  return {
    path: `${gvPrefix(group, version)}/`, params: [],
    ops: [{ method: 'get', operationId: `get${groupCamel(group)}${cap(version)}APIResources`, description: 'get available resources', action: '',
      tag: tagOf(group, version), params: [], consumes: PRODUCES, produces: PRODUCES, responses: { 200: `${META}.APIResourceList`, 401: null } }],
  };
}
