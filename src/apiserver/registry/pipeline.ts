/**
 * @module apiserver/registry/pipeline
 * The per-object steps of a write, in Kubernetes' order: decode checks (unknown and duplicate fields
 * under fieldValidation, type errors as 400), defaulting, managed-fields tracking, then validation
 * (schema constraints, ObjectMeta, the kind's strategy) as one 422 Invalid.
 */
import { StatusError, badRequest } from '../../machinery/status.js';
import { invalidError, type FieldError } from '../../machinery/field-errors.js';
import type { RequestContext } from './context.js';
import { defaultFieldManager } from './context.js';
import type { Store } from './store.js';
import { allErrors } from '../../api/schema/validate.js';
import { schemaCheck, pruneUnknown, defaultObject, metaErrors, metaUpdateErrors, managedFieldsOnUpdate } from './schema-hooks.js';

/** Errors found at decode time that belong to validation (422), kept until validate runs. */
const pending = new WeakMap<object, FieldError[]>();

/** Duplicate-field paths found by the body decoder, by object. */
export const decodeDuplicates = new WeakMap<object, string[]>();

export function checkAndDefault(store: Store, obj: any, ctx: RequestContext): void {
  const r = schemaCheck(store, obj);
  const dups = decodeDuplicates.get(obj) ?? [];
  if (ctx.fieldValidation !== 'Ignore') {
    const problems = [...r.unknown.map((p) => `unknown field "${p}"`), ...dups.map((p) => `duplicate field "${p}"`)];
    if (problems.length) {
      if (ctx.fieldValidation === 'Strict') throw badRequest(`strict decoding error: ${problems.join(', ')}`);
      ctx.warnings.push(...problems);
    }
  }
  if (r.unknown.length) pruneUnknown(store, obj);
  if (r.typeErrors.length && store.info.custom) {
    // Custom resources: type errors are validation errors (422), as the apiextensions server reports them.
    pending.set(obj, allErrors(r));
  } else if (r.typeErrors.length) {
    // Built-in kinds: a wrong JSON type cannot be decoded into the Go struct: 400 BadRequest.
    const e = r.typeErrors[0];
    throw badRequest(`${store.info.kind} in version "${store.info.version}" cannot be handled as a ${store.info.kind}: json: cannot unmarshal ${e.jsonType} into Go struct field ${e.goField} of type ${e.goType}`);
  } else if (r.errors.length) {
    pending.set(obj, r.errors);
  }
  defaultObject(store, obj);
}


/** Carry decode-time findings over to a copy of the object (updates work on a clone). */
export function carryPending(from: object, to: object): void {
  const p = pending.get(from);
  if (p) pending.set(to, p);
}

export function validateObject(store: Store, obj: any, _ctx: RequestContext): void {
  const errs: FieldError[] = [...(pending.get(obj) ?? []), ...metaErrors(store, obj)];
  const kindErrs = store.strategy.validate?.(obj);
  if (kindErrs) errs.push(...kindErrs);
  if (errs.length) throw invalidError(store.group, store.info.kind, obj.metadata?.name ?? '', errs);
}

export function validateObjectUpdate(store: Store, obj: any, old: any, _ctx: RequestContext, _sub: string): void {
  const errs: FieldError[] = [...(pending.get(obj) ?? []), ...metaErrors(store, obj), ...metaUpdateErrors(obj, old)];
  const kindErrs = store.strategy.validateUpdate?.(obj, old, _sub) ?? store.strategy.validate?.(obj);
  if (kindErrs) errs.push(...kindErrs);
  if (errs.length) throw invalidError(store.group, store.info.kind, obj.metadata?.name ?? '', errs);
}

/** Record in managedFields which manager set which fields (Update operations). */
export function trackUpdate(store: Store, old: any, obj: any, ctx: RequestContext, sub: string): void {
  if (ctx.fieldManager === '__apply__') return; // server-side apply already recorded its ownership
  const manager = ctx.fieldManager ?? defaultFieldManager(ctx.userAgent);
  try {
    managedFieldsOnUpdate(store, old, obj, manager, sub);
  } catch (e) {
    if (e instanceof StatusError) throw e;
    // Managed fields are bookkeeping: a failure to compute them must not fail the write (Kubernetes
    // resets them in that case and logs).
    delete obj.metadata.managedFields;
  }
}
