/**
 * @module api/validation/object-meta
 * ObjectMeta rules every kind shares (ValidateObjectMetaAccessor / ValidateObjectMetaUpdate): a name or
 * generateName, namespace presence by scope, labels, annotations, owner references, finalizers,
 * managed fields; and the fields an update may not change.
 */
import type { FieldError } from '../../machinery/field-errors.js';
import { nameIsDNSSubdomain, validateNamespaceName, type ValidateNameFunc } from './names.js';
import { validateLabels, validateAnnotations, validateFinalizers } from './labels.js';

export interface ObjectMetaOptions {
  namespaced: boolean;
  /** How names of this kind are validated (default: DNS-1123 subdomain). */
  nameFn?: ValidateNameFunc;
  /** Path of the metadata (default `metadata`). */
  path?: string;
}

const inv = (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, value, detail });

export function validateObjectMeta(meta: any, opts: ObjectMetaOptions): FieldError[] {
  const p = opts.path ?? 'metadata';
  const nameFn = opts.nameFn ?? nameIsDNSSubdomain;
  const errs: FieldError[] = [];
  if (!meta || typeof meta !== 'object') return [{ type: 'FieldValueRequired', field: `${p}.name`, detail: 'name or generateName is required' }];
  if (meta.generateName) for (const m of nameFn(String(meta.generateName), true)) errs.push(inv(`${p}.generateName`, meta.generateName, m));
  // A generated name is checked at its full length once generated; an absent name only fails without generateName.
  if (!meta.name) {
    if (!meta.generateName) errs.push({ type: 'FieldValueRequired', field: `${p}.name`, detail: 'name or generateName is required' });
  } else {
    for (const m of nameFn(String(meta.name), false)) errs.push(inv(`${p}.name`, meta.name, m));
  }
  if (opts.namespaced) {
    if (!meta.namespace) errs.push({ type: 'FieldValueRequired', field: `${p}.namespace`, detail: '' });
    else for (const m of validateNamespaceName(String(meta.namespace), false)) errs.push(inv(`${p}.namespace`, meta.namespace, m));
  } else if (meta.namespace) {
    errs.push({ type: 'FieldValueForbidden', field: `${p}.namespace`, detail: 'not allowed on this type' });
  }
  if (typeof meta.generation === 'number' && meta.generation < 0) errs.push(inv(`${p}.generation`, meta.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(meta.labels, `${p}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${p}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${p}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${p}.finalizers`));
  errs.push(...validateManagedFields(meta.managedFields, `${p}.managedFields`));
  return errs;
}

/** ValidateOwnerReferences: errors carry the list's path (Kubernetes does not index them). */
export function validateOwnerReferences(refs: any[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(refs)) return errs;
  const controllers: string[] = [];
  for (const r of refs) {
    if (!r || typeof r !== 'object') continue;
    const apiVersion = String(r.apiVersion ?? '');
    const parts = apiVersion.split('/');
    const version = parts.length === 1 ? parts[0] : parts.length === 2 ? parts[1] : '';
    if (parts.length > 2) errs.push(inv(`${field}.apiVersion`, apiVersion, `unexpected GroupVersion string: ${apiVersion}`));
    else if (!version) errs.push(inv(`${field}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!r.kind) errs.push(inv(`${field}.kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) errs.push(inv(`${field}.name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) errs.push(inv(`${field}.uid`, r.uid ?? '', 'uid must not be empty'));
    if (r.controller === true) controllers.push(`${r.kind}/${r.name}`);
  }
  if (controllers.length > 1) {
    errs.push(inv(field, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`));
  }
  return errs;
}

/** ValidateManagedFields: operation Apply|Update, fieldsType FieldsV1. */
export function validateManagedFields(entries: any[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(entries)) return errs;
  entries.forEach((e, i) => {
    if (!e || typeof e !== 'object') return;
    const p = `${field}[${i}]`;
    if (e.operation !== 'Apply' && e.operation !== 'Update') errs.push(inv(`${p}.operation`, e.operation ?? '', 'must be `Apply` or `Update`'));
    if ((e.fieldsType ?? '') !== 'FieldsV1') errs.push(inv(`${p}.fieldsType`, e.fieldsType ?? '', 'must be `FieldsV1`'));
  });
  return errs;
}

const same = (a: unknown, b: unknown): boolean => (a ?? '') === (b ?? '') || JSON.stringify(a) === JSON.stringify(b);

/** ValidateObjectMetaUpdate: what an update may not change. Combine with validateObjectMeta(new). */
export function validateObjectMetaUpdate(next: any, old: any, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const n = next ?? {}, o = old ?? {};
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp']) {
    if (!same(n[f], o[f])) errs.push(inv(`${path}.${f}`, n[f] ?? '', 'field is immutable'));
  }
  // Only deletion sets these; an update may neither set nor clear them (ValidateObjectMetaUpdate).
  if (o.deletionTimestamp && !same(n.deletionTimestamp, o.deletionTimestamp)) {
    errs.push(inv(`${path}.deletionTimestamp`, n.deletionTimestamp ?? null, 'field is immutable; may only be changed via deletion'));
  }
  if (o.deletionGracePeriodSeconds !== undefined && !same(n.deletionGracePeriodSeconds, o.deletionGracePeriodSeconds)) {
    errs.push(inv(`${path}.deletionGracePeriodSeconds`, n.deletionGracePeriodSeconds ?? null, 'field is immutable; may only be changed via deletion'));
  }
  if (typeof n.generation === 'number' && typeof o.generation === 'number' && n.generation < o.generation) {
    errs.push(inv(`${path}.generation`, n.generation, 'must not be decremented'));
  }
  return errs;
}
