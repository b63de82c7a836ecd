/**
 * @module apiserver/registry/patch
 * PATCH in its four forms: JSON patch, JSON merge patch, strategic merge patch (built-in kinds
 * only, as in Kubernetes) and server-side apply. Each computes the next object from the current
 * one inside a compare-and-swap loop, then runs the same update path as PUT.
 */
import { StatusError, badRequest, unsupportedMediaType, notFound } from '../../machinery/status.js';
import type { RequestContext } from './context.js';
import type { Store } from './store.js';
import { checkAndDefault, decodeDuplicates } from './pipeline.js';
import { decodeBody } from '../endpoints/codec.js';
import { applyJSONPatch, applyMergePatch, applySMP, serverSideApply } from './patchers.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const mt = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (mt) {
    case 'application/json-patch+json': return 'json';
    case 'application/merge-patch+json': return 'merge';
    case 'application/strategic-merge-patch+json': return 'strategic';
    case 'application/apply-patch+yaml': case 'application/apply-patch+cbor': return 'apply';
    default: throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
  }
}

export interface PatchOptions { force?: boolean }

export async function patchObject(store: Store, ns: string, name: string, type: PatchType, body: Buffer, contentType: string,
                                  ctx: RequestContext, sub: string, opts: PatchOptions): Promise<{ obj: any; created: boolean }> {
  if (type === 'strategic' && store.info.custom) throw unsupportedMediaType('application/strategic-merge-patch+json');
  const decoded = decodeBody(body, type === 'apply' ? 'application/yaml' : 'application/json', 'the patch');
  const patch = decoded.obj;
  if (type === 'apply') {
    if (!ctx.fieldManager) throw new StatusError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', { causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] });
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('error decoding YAML: the apply patch must be an object');
    if (opts.force === undefined) opts.force = false;
  } else if (opts.force !== undefined) {
    throw new StatusError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch', { causes: [{ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' }] });
  }
  if (type !== 'json' && (patch === null || typeof patch !== 'object' || Array.isArray(patch))) {
    throw badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`);
  }
  if (type === 'json' && !Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const pinned = type !== 'json' && patch?.metadata?.resourceVersion ? String(patch.metadata.resourceVersion) : undefined;

  const compute = async (cur: any | null): Promise<any> => {
    let next: any;
    const base = cur ?? {};
    switch (type) {
      case 'json': next = applyJSONPatch(base, patch); break;
      case 'merge': next = applyMergePatch(base, patch); break;
      case 'strategic': next = applySMP(store, base, patch); break;
      case 'apply': {
        const r = serverSideApply(store, cur, patch, ctx.fieldManager!, !!opts.force, sub);
        next = r;
        break;
      }
    }
    if (next === null || typeof next !== 'object' || Array.isArray(next)) throw badRequest('the patched object is not a JSON object');
    if (decoded.duplicates.length) decodeDuplicates.set(next, decoded.duplicates);
    return next;
  };

  try {
    const r = await store.guaranteedUpdate(ns, name, async (cur) => {
      const next = await compute(cur);
      store.checkBody(ns, next, name);
      checkAndDefault(store, next, ctx);
      const applyCtx = type === 'apply' ? { ...ctx, fieldManager: '__apply__' } : ctx;
      const out = await store.prepareUpdate(ns, name, next, cur, applyCtx, sub);
      if (applyCtx !== ctx) ctx.warnings.push(...applyCtx.warnings.filter((w) => !ctx.warnings.includes(w)));
      return out;
    }, { pinnedRV: pinned, dryRun: ctx.dryRun, trace: ctx.trace, stamp: !sub });
    return { obj: r.obj, created: false };
  } catch (e) {
    // Server-side apply creates the object when it does not exist.
    if (type === 'apply' && e instanceof StatusError && e.code === 404 && !sub && e.message === notFound(store.group, store.resource, name).message) {
      const next = await compute(null);
      store.checkBody(ns, next, name);
      const created = await store.create(ns, next, { ...ctx, fieldManager: '__apply__' });
      return { obj: created, created: true };
    }
    throw e;
  }
}
