/**
 * @module apiserver/endpoints/resource
 * The REST handlers for one resource: maps a RequestInfo to a verb on the generic store and writes
 * the answer in the form the client negotiated (object, list, Table, metadata-only, watch stream).
 */
import { StatusError, badRequest, methodNotAllowed } from '../../machinery/status.js';
import type { RequestInfo } from '../request-info.js';
import type { Store } from '../registry/store.js';
import type { ResourceCache } from '../registry/cache.js';
import type { RequestContext, UserInfo, AdmissionChain } from '../registry/context.js';
import { listObjects } from '../registry/list.js';
import { patchObject, patchTypeOf } from '../registry/patch.js';
import { decodeDuplicates } from '../registry/pipeline.js';
import { getScale, updateScale } from '../registry/scale.js';
import { serialize } from '../registry/codec.js';
import { decodeBody, negotiateOutput, type OutputFormat } from './codec.js';
import { parseListQuery } from './list-options.js';
import { parseDryRun, parseFieldManager, parseFieldValidation, parseForce, parseDeleteOptions } from './options.js';
import { readBody, writeJSON, writeJSONText, successStatus, type Req, type Res } from './response.js';
import { serveWatch } from './watch.js';
import { tableJSON, partialObjectMetadata } from './table.js';
import { printerFor } from '../printers/index.js';
import type { RequestTrace } from '../tracing.js';

/** Objects bigger than this are refused, as etcd refuses values over 1.5 MiB. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ResourceDeps {
  store: Store;
  cache: ResourceCache;
  admission: AdmissionChain;
  /** Called when a watch opens/closes (for metrics). */
  onWatch?(delta: number): void;
  /** The request's audit record (bodies are kept at the Request and RequestResponse levels). */
  audit?: { setRequestObject(o: unknown): void; setResponseObject(o: unknown): void; annotate(k: string, v: string): void };
  /** The request's trace (apiserver/tracing), when it is recorded or stamps objects. */
  trace?: RequestTrace;
}

function renderOne(store: Store, obj: any, out: OutputFormat): string {
  if (out.kind === 'table') return tableJSON(printerFor(store.group, store.resource), [obj], out.includeObject, { resourceVersion: obj.metadata?.resourceVersion });
  if (out.kind === 'partialmetadata') return JSON.stringify(partialObjectMetadata(obj));
  return JSON.stringify(obj);
}

export async function serveResource(d: ResourceDeps, ri: RequestInfo, q: URLSearchParams, req: Req, res: Res, user: UserInfo): Promise<void> {
  const { store } = d;
  const info = store.info;
  const ns = info.namespaced ? ri.namespace : '';
  const sub = ri.subresource;
  const finalize = sub === 'finalize' && info.kind === 'Namespace' && info.group === '' && ri.verb === 'update';
  if (sub && !finalize && !(sub === 'status' && info.subresources?.status) && !(sub === 'scale' && info.subresources?.scale) && !store.isObjectView(sub)) {
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (info.namespaced && !ns && !['list', 'watch', 'deletecollection'].includes(ri.verb)) {
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (!info.namespaced && ri.namespace && ri.resource !== 'namespaces') {
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
  const ctx: RequestContext = {
    user, userAgent: String(req.headers['user-agent'] ?? ''), dryRun: false, fieldValidation: 'Warn',
    warnings: [], admission: d.admission, auditAnnotations: d.audit ? {} : undefined, trace: d.trace,
  };
  const audit = d.audit;
  /** A write's answer: recorded for audit (with admission's audit annotations), then sent. */
  const answer = (code: number, obj: unknown): void => {
    if (audit) {
      for (const [k, v] of Object.entries(ctx.auditAnnotations ?? {})) audit.annotate(k, v);
      audit.setResponseObject(obj);
    }
    // A written object is answered with the JSON it was stored as (plus its resourceVersion).
    writeJSONText(res, code, serialize(obj), ctx.warnings);
  };
  const accept = req.headers['accept'] as string | undefined;
  switch (ri.verb) {
    case 'get': {
      const out = negotiateOutput(accept, q.get('includeObject'));
      const obj = await store.get(ns, ri.name);
      if (sub === 'scale') return writeJSON(res, 200, getScale(store, obj));
      return writeJSONText(res, 200, renderOne(store, obj, out));
    }
    case 'list': {
      const out = negotiateOutput(accept, q.get('includeObject'));
      const lq = parseListQuery(q, false);
      const r = await listObjects(store, d.cache, ns, lq);
      const meta: Record<string, unknown> = { resourceVersion: String(r.rv) };
      if (r.continueToken) meta.continue = r.continueToken;
      if (r.remaining !== undefined) meta.remainingItemCount = r.remaining;
      if (out.kind === 'table') return writeJSONText(res, 200, tableJSON(printerFor(store.group, store.resource), r.items.map((i) => i.obj), out.includeObject, meta));
      if (out.kind === 'partialmetadata') {
        return writeJSON(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: r.items.map((i) => partialObjectMetadata(i.obj)) });
      }
      const head = `{"kind":${JSON.stringify(info.kind + 'List')},"apiVersion":${JSON.stringify(store.apiVersion)},"metadata":${JSON.stringify(meta)},"items":[`;
      return writeJSONText(res, 200, head + r.items.map((i) => i.json()).join(',') + ']}');
    }
    case 'watch': {
      const out = negotiateOutput(accept, q.get('includeObject'));
      const lq = parseListQuery(q, true);
      const printer = printerFor(store.group, store.resource);
      d.onWatch?.(1);
      return serveWatch(store, d.cache, ns, lq, req, res, {
        object: (o, first) => out.kind === 'table' ? tableJSON(printer, [o.obj], out.includeObject, { resourceVersion: String(o.rv) }, first)
          : out.kind === 'partialmetadata' ? JSON.stringify(partialObjectMetadata(o.obj)) : o.json(),
        bookmark: (rv, end) => JSON.stringify({ kind: info.kind, apiVersion: store.apiVersion, metadata: { resourceVersion: String(rv), ...(end ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) } }),
      }, () => d.onWatch?.(-1));
    }
    case 'create': {
      if (sub) throw methodNotAllowed();
      ctx.dryRun = parseDryRun(q);
      ctx.fieldManager = parseFieldManager(q);
      ctx.fieldValidation = parseFieldValidation(q);
      const body = await readBody(req, MAX_BODY_BYTES);
      if (body.length > MAX_OBJECT_BYTES) throw new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_OBJECT_BYTES}`);
      const dec = decodeBody(body, req.headers['content-type'] as string | undefined);
      audit?.setRequestObject(dec.obj);
      if (dec.obj && typeof dec.obj === 'object' && dec.duplicates.length) decodeDuplicates.set(dec.obj, dec.duplicates);
      const obj = await store.create(ns, dec.obj, ctx);
      return answer(201, obj);
    }
    case 'update': {
      ctx.dryRun = parseDryRun(q, 'UpdateOptions');
      ctx.fieldManager = parseFieldManager(q);
      ctx.fieldValidation = parseFieldValidation(q);
      const body = await readBody(req, MAX_BODY_BYTES);
      if (body.length > MAX_OBJECT_BYTES) throw new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_OBJECT_BYTES}`);
      const dec = decodeBody(body, req.headers['content-type'] as string | undefined);
      audit?.setRequestObject(dec.obj);
      if (sub === 'scale') return answer(200, await updateScale(store, ns, ri.name, dec.obj, ctx));
      if (dec.obj && typeof dec.obj === 'object' && dec.duplicates.length) decodeDuplicates.set(dec.obj, dec.duplicates);
      const r = await store.update(ns, ri.name, dec.obj, ctx, sub);
      return answer(r.created ? 201 : 200, r.obj);
    }
    case 'patch': {
      ctx.dryRun = parseDryRun(q, 'PatchOptions');
      ctx.fieldManager = parseFieldManager(q);
      ctx.fieldValidation = parseFieldValidation(q);
      const type = patchTypeOf(req.headers['content-type'] as string | undefined);
      const body = await readBody(req, MAX_BODY_BYTES);
      if (body.length > MAX_OBJECT_BYTES) throw new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_OBJECT_BYTES}`);
      audit?.setRequestObject(body);
      if (sub === 'scale') {
        const r = await patchScale(d, ns, ri.name, type, body, ctx);
        return answer(200, r);
      }
      const r = await patchObject(store, ns, ri.name, type, body, String(req.headers['content-type']), ctx, sub, { force: parseForce(q) });
      return answer(r.created ? 201 : 200, r.obj);
    }
    case 'delete': {
      if (sub) throw methodNotAllowed();
      const body = await readBody(req, MAX_BODY_BYTES);
      let bodyObj: any = null;
      if (body.length) bodyObj = decodeBody(body, req.headers['content-type'] as string | undefined, 'DeleteOptions').obj;
      if (bodyObj) audit?.setRequestObject(bodyObj);
      const { opts, dryRun } = parseDeleteOptions(q, bodyObj);
      ctx.dryRun = dryRun;
      const r = await store.delete(ns, ri.name, opts, ctx);
      if (!r.deleted || store.opts.returnDeletedObject) return answer(200, r.obj);
      return answer(200, successStatus({ name: ri.name, group: store.group, kind: store.resource, uid: r.obj.metadata?.uid }));
    }
    case 'deletecollection': {
      const body = await readBody(req, MAX_BODY_BYTES);
      let bodyObj: any = null;
      if (body.length) bodyObj = decodeBody(body, req.headers['content-type'] as string | undefined, 'DeleteOptions').obj;
      const { opts, dryRun } = parseDeleteOptions(q, bodyObj);
      ctx.dryRun = dryRun;
      const lq = parseListQuery(q, false);
      lq.limit = 0;
      const r = await listObjects(store, d.cache, ns, lq);
      const deleted: any[] = [];
      for (const it of r.items) {
        try {
          const dr = await store.delete(it.obj.metadata.namespace ?? '', it.obj.metadata.name, opts, ctx);
          deleted.push(dr.obj);
        } catch (e) {
          if (e instanceof StatusError && e.code === 404) continue;
          throw e;
        }
      }
      return writeJSON(res, 200, { kind: info.kind + 'List', apiVersion: store.apiVersion, metadata: {}, items: deleted }, ctx.warnings);
    }
    default:
      throw methodNotAllowed();
  }
}

async function patchScale(d: ResourceDeps, ns: string, name: string, type: string, body: Buffer, ctx: RequestContext): Promise<any> {
  const { applyJSONPatch, applyMergePatch } = await import('../registry/patchers.js');
  const cur = getScale(d.store, await d.store.get(ns, name));
  const patch = decodeBody(body, 'application/json', 'the patch').obj;
  let next: any;
  if (type === 'json') next = applyJSONPatch(cur, patch);
  else if (type === 'merge' || type === 'strategic') next = applyMergePatch(cur, patch);
  else throw badRequest('apply patches are not supported on the scale subresource');
  return updateScale(d.store, ns, name, next, ctx);
}
