/**
 * @module api/schema/openapi
 * The OpenAPI documents built from the definitions registry: `/openapi/v2` (Swagger 2.0, one document
 * for everything) and `/openapi/v3` (an index of group-versions, then one OpenAPI 3.0 document each).
 * kubectl reads them for apply (v3, then v2), explain (v3) and to learn that the server supports
 * server-side field validation (the `fieldValidation` parameter on POST/PUT/PATCH).
 * Built documents are memoized; `invalidate()` drops them when CRDs change.
 */
import { createHash } from 'node:crypto';
import type { Schema, ResourceInfo } from './types.js';
import { allDefinitions, allResources } from './registry.js';
import { resourcePaths, resourcesPath, gvPrefix, PRODUCES, type PathItem, type Param } from './openapi-paths.js';
import '../meta/v1.js';

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** The Kubernetes version skiff's documents claim (kubectl only displays it). */
export const INFO = { title: 'Kubernetes', version: 'v1.31.0' };

let v2Doc: object | null = null;
const v3Docs = new Map<string, object | null>();
let v3Index: { paths: Record<string, { serverRelativeURL: string }> } | null = null;
let stamp = '';

/** Drop memoized documents (call when definitions or resources change: CRDs). */
export function invalidate(): void { v2Doc = null; v3Docs.clear(); v3Index = null; }

/** Additions and removals are noticed without invalidate(); in-place changes need it. */
function checkStamp(): void {
  const s = `${allDefinitions().size}/${allResources().length}`;
  if (s !== stamp) { stamp = s; invalidate(); }
}

// ---- schema conversion ----------------------------------------------------------------------

type Mode = 'v2' | 'v3';
const SCHEMA_KEYS_DROPPED_V2 = new Set(['nullable', 'oneOf', 'anyOf', 'not', 'allOf']);

function refTo(name: string, mode: Mode): string { return mode === 'v2' ? `#/definitions/${name}` : `#/components/schemas/${name}`; }

/** A schema as it appears in a document: `$ref`s made absolute, v2 without what Swagger 2.0 lacks. */
export function convertSchema(s: Schema, mode: Mode, refs?: Set<string>): any {
  if (s.$ref) {
    refs?.add(s.$ref);
    const r = refTo(s.$ref, mode);
    const extra = Object.keys(s).filter((k) => k !== '$ref');
    if (!extra.length) return { $ref: r };
    if (mode === 'v2') { const out: any = { $ref: r }; for (const k of extra) out[k] = (s as any)[k]; return out; }
    // OpenAPI 3.0 ignores a $ref's siblings, so Kubernetes wraps the ref in allOf to keep the description.
    const out: any = { allOf: [{ $ref: r }] };
    for (const k of extra) out[k] = (s as any)[k];
    if (out.default === undefined && !isScalarDef(s.$ref)) out.default = {};
    return out;
  }
  const out: any = {};
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined) continue;
    if (mode === 'v2' && SCHEMA_KEYS_DROPPED_V2.has(k)) continue;
    if (k === 'properties') {
      const props: any = {};
      for (const [pk, pv] of Object.entries(v as Record<string, Schema>)) props[pk] = convertSchema(pv, mode, refs);
      out.properties = props;
    } else if (k === 'items' || k === 'not') out[k] = convertSchema(v as Schema, mode, refs);
    else if (k === 'additionalProperties') out[k] = typeof v === 'boolean' ? v : convertSchema(v as Schema, mode, refs);
    else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') out[k] = (v as Schema[]).map((x) => convertSchema(x, mode, refs));
    else out[k] = v;
  }
  return out;
}

function isScalarDef(name: string): boolean {
  const d = allDefinitions().get(name);
  return !!d && d.type !== 'object' && !d.properties;
}

/** A named definition for a document (Quantity and IntOrString take their v2 form in Swagger 2.0). */
function convertDefinition(name: string, s: Schema, mode: Mode, refs?: Set<string>): any {
  if (mode === 'v2' && (name === QUANTITY || name === INT_OR_STRING)) {
    return { description: s.description, type: 'string', ...(name === INT_OR_STRING ? { format: 'int-or-string' } : {}) };
  }
  return convertSchema(s, mode, refs);
}

// ---- Swagger 2.0 ----------------------------------------------------------------------------

function v2Param(p: Param): any {
  if (p.in === 'body') return { name: 'body', in: 'body', required: true, schema: { $ref: refTo(p.schemaRef!, 'v2') } };
  const out: any = { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in };
  if (p.required) out.required = true;
  return out;
}

function v2Paths(items: PathItem[]): Record<string, any> {
  const paths: Record<string, any> = {};
  for (const it of items) {
    const entry: any = {};
    for (const o of it.ops) {
      const responses: any = {};
      for (const [code, ref] of Object.entries(o.responses)) {
        responses[code] = ref ? { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', schema: { $ref: refTo(ref, 'v2') } } : { description: 'Unauthorized' };
      }
      entry[o.method] = {
        consumes: o.consumes, description: o.description, operationId: o.operationId,
        ...(o.params.length ? { parameters: o.params.map(v2Param) } : {}),
        produces: o.produces, responses, schemes: ['https'], tags: [o.tag],
        ...(o.action ? { 'x-kubernetes-action': o.action } : {}),
        ...(o.gvk ? { 'x-kubernetes-group-version-kind': o.gvk } : {}),
      };
    }
    if (it.params.length) entry.parameters = it.params.map(v2Param);
    paths[it.path] = entry;
  }
  return paths;
}

/** Paths of every served resource, grouped by group-version key (`api/v1`, `apis/apps/v1`). */
function pathsByGV(): Map<string, PathItem[]> {
  const by = new Map<string, PathItem[]>();
  const sorted = [...allResources()].sort((a, b) => (a.group + a.version + a.plural).localeCompare(b.group + b.version + b.plural));
  for (const r of sorted) {
    const key = gvPrefix(r.group, r.version).slice(1);
    let list = by.get(key);
    if (!list) { list = [resourcesPath(r.group, r.version)]; by.set(key, list); }
    list.push(...resourcePaths(r as ResourceInfo));
  }
  return by;
}

export function buildOpenAPIV2(): object {
  checkStamp();
  if (v2Doc) return v2Doc;
  const definitions: Record<string, any> = {};
  for (const name of [...allDefinitions().keys()].sort()) definitions[name] = convertDefinition(name, allDefinitions().get(name)!, 'v2');
  const items = [...pathsByGV().values()].flat();
  v2Doc = {
    swagger: '2.0', info: INFO,
    paths: v2Paths(items),
    definitions,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
  return v2Doc;
}

// ---- OpenAPI 3.0 ----------------------------------------------------------------------------

function v3Param(p: Param): any {
  const out: any = { name: p.name, in: p.in, description: p.description, schema: { type: p.type, uniqueItems: true } };
  if (p.required) out.required = true;
  return out;
}

function content(types: string[], schema: any): any {
  const c: any = {};
  for (const t of types) c[t] = { schema };
  return c;
}

function v3Paths(items: PathItem[], refs: Set<string>): Record<string, any> {
  const paths: Record<string, any> = {};
  for (const it of items) {
    const entry: any = {};
    for (const o of it.ops) {
      const bodyP = o.params.find((p) => p.in === 'body');
      const responses: any = {};
      for (const [code, ref] of Object.entries(o.responses)) {
        if (!ref) { responses[code] = { description: 'Unauthorized' }; continue; }
        refs.add(ref);
        responses[code] = { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', content: content(o.produces, { $ref: refTo(ref, 'v3') }) };
      }
      const params = o.params.filter((p) => p.in !== 'body').map(v3Param);
      const op: any = { tags: [o.tag], description: o.description, operationId: o.operationId };
      if (params.length) op.parameters = params;
      if (bodyP) {
        refs.add(bodyP.schemaRef!);
        op.requestBody = { content: content(o.consumes, { $ref: refTo(bodyP.schemaRef!, 'v3') }), required: true };
      }
      op.responses = responses;
      if (o.action) op['x-kubernetes-action'] = o.action;
      if (o.gvk) op['x-kubernetes-group-version-kind'] = o.gvk;
      entry[o.method] = op;
    }
    if (it.params.length) entry.parameters = it.params.map(v3Param);
    paths[it.path] = entry;
  }
  return paths;
}

/** Discovery documents served besides the group-versions (`api`, `apis`, `apis/<group>`). */
function discoveryDoc(key: string): PathItem | null {
  const op = (operationId: string, description: string, ref: string, tag: string): PathItem => ({
    path: `/${key}/`, params: [],
    ops: [{ method: 'get', operationId, description, action: '', tag, params: [], consumes: PRODUCES, produces: PRODUCES, responses: { 200: ref, 401: null } }],
  });
  if (key === 'api') return op('getCoreAPIVersions', 'get available API versions', `${META}.APIVersions`, 'core');
  if (key === 'apis') return op('getAPIVersions', 'get available API versions', `${META}.APIGroupList`, 'apis');
  const m = /^apis\/([^/]+)$/.exec(key);
  if (m && allResources().some((r) => r.group === m[1])) {
    const camel = m[1].replace(/\.k8s\.io$/, '').split(/[.-]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
    return op(`get${camel}APIGroup`, 'get information of a group', `${META}.APIGroup`, camel.charAt(0).toLowerCase() + camel.slice(1));
  }
  return null;
}

/** The OpenAPI 3.0 document of one group-version (`apis/apps/v1`, `api/v1`), or null if not served. */
export function buildOpenAPIV3(groupVersionPath: string): object | null {
  checkStamp();
  const key = groupVersionPath.replace(/^\/+|\/+$/g, '');
  if (v3Docs.has(key)) return v3Docs.get(key)!;
  const items = pathsByGV().get(key) ?? (discoveryDoc(key) ? [discoveryDoc(key)!] : null);
  if (!items) { v3Docs.set(key, null); return null; }
  const refs = new Set<string>();
  const paths = v3Paths(items, refs);
  // components.schemas: every definition reachable from the paths.
  const schemas: Record<string, any> = {};
  const queue = [...refs];
  const seen = new Set<string>(queue);
  while (queue.length) {
    const name = queue.pop()!;
    const d = allDefinitions().get(name);
    if (!d) continue;
    const found = new Set<string>();
    schemas[name] = convertDefinition(name, d, 'v3', found);
    for (const f of found) if (!seen.has(f)) { seen.add(f); queue.push(f); }
  }
  const sorted: Record<string, any> = {};
  for (const n of Object.keys(schemas).sort()) sorted[n] = schemas[n];
  const doc = {
    openapi: '3.0.0', info: INFO, paths,
    components: {
      schemas: sorted,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
  };
  v3Docs.set(key, doc);
  return doc;
}

function hashOf(doc: object): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
}

/** `/openapi/v3`: every served document with a content-hashed URL, so clients may cache them forever. */
export function buildOpenAPIV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  checkStamp();
  if (v3Index) return structuredClone(v3Index);
  const keys = new Set<string>(['api', 'apis']);
  for (const r of allResources()) {
    keys.add(gvPrefix(r.group, r.version).slice(1));
    if (r.group) keys.add(`apis/${r.group}`);
  }
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const k of [...keys].sort()) {
    const doc = buildOpenAPIV3(k);
    if (doc) paths[k] = { serverRelativeURL: `/openapi/v3/${k}?hash=${hashOf(doc)}` };
  }
  v3Index = { paths };
  return structuredClone(v3Index);
}
