/**
 * @module apiserver/registry/patchers
 * The registry's view of the patch and selector machinery (src/machinery): errors become the
 * Status codes the real API server answers with (400 bad patch, 422 patch that cannot apply,
 * 409 apply conflicts).
 */
import { StatusError, badRequest } from '../../machinery/status.js';
import { applyJSONPatch as jsonPatch, JSONPatchError } from '../../machinery/jsonpatch.js';
import { applyMergePatch as mergePatch } from '../../machinery/mergepatch.js';
import { applyStrategicMergePatch, StrategicMergePatchError } from '../../machinery/strategicpatch/index.js';
import { parseSelector, fromLabelSelector, selectorString as labelSelectorString } from '../../machinery/labels.js';
import { parseFieldSelector as parseFields } from '../../machinery/fields.js';
import { apply as applyConfiguration } from './fieldmanager/index.js';
import { nowRFC3339 } from './object-meta.js';
import type { Store } from './store.js';

/** Anything that can match a set of labels or fields. */
export interface Matcher { matches(set: Record<string, string>): boolean }

export function parseLabelSelector(s: string): Matcher { return parseSelector(s); }
export function parseFieldSelector(s: string): Matcher { return parseFields(s); }

/** Does a metav1.LabelSelector select these labels? An invalid selector selects nothing. */
export function labelSelectorMatches(ls: any, labels: Record<string, string>): boolean {
  try { return fromLabelSelector(ls).matches(labels); } catch { return false; }
}

export function selectorString(ls: any): string {
  try { return labelSelectorString(ls); } catch { return ''; }
}

function patchFailed(e: unknown): never {
  if (e instanceof JSONPatchError || e instanceof StrategicMergePatchError) {
    if (e.code === 400) throw badRequest(e.message);
    if (e.code === 413) throw new StatusError(413, 'RequestEntityTooLarge', e.message);
    if (e.code === 500) throw new StatusError(500, 'InternalError', `Internal error occurred: ${e.message}`);
    throw new StatusError(422, 'Invalid', e.message);
  }
  if (e instanceof StatusError) throw e;
  throw badRequest((e as Error).message ?? String(e));
}

export function applyJSONPatch(doc: any, patch: any): any {
  try { return jsonPatch(doc, patch); } catch (e) { patchFailed(e); }
}

export function applyMergePatch(doc: any, patch: any): any {
  try { return mergePatch(doc, patch); } catch (e) { patchFailed(e); }
}

export function applySMP(store: Store, doc: any, patch: any): any {
  try { return applyStrategicMergePatch(doc, patch, store.schema); } catch (e) { patchFailed(e); }
}

/** Server-side apply of `applied` onto `live` (null: create), as manager `manager`. */
export function serverSideApply(store: Store, live: any | null, applied: any, manager: string, force: boolean, sub: string): any {
  if (applied.apiVersion !== undefined && applied.apiVersion !== store.apiVersion) {
    throw badRequest(`the API version in the data (${applied.apiVersion}) does not match the expected API version (${store.apiVersion})`);
  }
  if (applied.kind !== undefined && applied.kind !== store.info.kind) {
    throw badRequest(`the object provided is unrecognized (must be of type ${store.info.kind}): ${applied.kind}`);
  }
  const r = applyConfiguration(live, applied, manager, store.schema, { force, apiVersion: store.apiVersion, now: nowRFC3339(), subresource: sub || undefined } as any) as { object: any; conflicts?: { manager: string; field: string; apiVersion?: string }[]; message?: string };
  if (r.conflicts?.length) {
    const msg = (r as any).message ?? conflictMessage(r.conflicts);
    throw new StatusError(409, 'Conflict', msg, { causes: r.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}`, field: c.field })) });
  }
  return r.object;
}

function conflictMessage(cs: { manager: string; field: string; apiVersion?: string }[]): string {
  const lines = cs.map((c) => `- conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}: ${c.field}`);
  return `Apply failed with ${cs.length} conflict${cs.length === 1 ? '' : 's'}: ${cs.length === 1 ? lines[0].slice(2) : '\n' + lines.join('\n')}`;
}
