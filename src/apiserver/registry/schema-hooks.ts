/**
 * @module apiserver/registry/schema-hooks
 * The store's view of the schema engine (src/api/schema) and the object rules (src/api/validation):
 * decode-time checks, pruning, defaulting, ObjectMeta validation, managed fields.
 */
import type { FieldError } from '../../machinery/field-errors.js';
import { validateAgainstSchema, type SchemaCheckResult } from '../../api/schema/validate.js';
import { pruneUnknownFields } from '../../api/schema/prune.js';
import { defaultObject as applyKindDefaults } from '../../api/schema/defaults.js';
import { validateObjectMeta, validateObjectMetaUpdate, nameIsDNSLabel, nameIsDNS1035Label, validatePathSegmentName, nameIsDNSSubdomain, type ValidateNameFunc } from '../../api/validation/index.js';
import { updateManagedFields } from './fieldmanager/index.js';
import { nowRFC3339 } from './object-meta.js';
import type { Store } from './store.js';

export function schemaCheck(store: Store, obj: any): SchemaCheckResult {
  return validateAgainstSchema(obj, store.schema, { unknownFields: 'Strict', custom: !!store.info.custom });
}

export function pruneUnknown(store: Store, obj: any): void {
  pruneUnknownFields(obj, store.schema, { custom: !!store.info.custom });
}

export function defaultObject(store: Store, obj: any): void {
  applyKindDefaults(obj, store.info);
}

/** How each kind's names are validated (Kubernetes' ValidateNameFunc per kind). */
function nameFnFor(store: Store): ValidateNameFunc {
  const k = `${store.group}/${store.resource}`;
  switch (k) {
    case '/namespaces': return nameIsDNSLabel;
    case '/services': return nameIsDNS1035Label;
    case 'rbac.authorization.k8s.io/roles': case 'rbac.authorization.k8s.io/clusterroles':
    case 'rbac.authorization.k8s.io/rolebindings': case 'rbac.authorization.k8s.io/clusterrolebindings':
      return validatePathSegmentName;
    case 'apps/deployments': case 'apps/replicasets': case 'apps/statefulsets': case 'apps/daemonsets':
      return store.resource === 'statefulsets' ? nameIsDNSLabel : nameIsDNSSubdomain;
    default:
      return store.info.custom ? validatePathSegmentName : nameIsDNSSubdomain;
  }
}

export function metaErrors(store: Store, obj: any): FieldError[] {
  return validateObjectMeta(obj.metadata, { namespaced: store.info.namespaced, nameFn: nameFnFor(store) });
}

export function metaUpdateErrors(obj: any, old: any): FieldError[] {
  return validateObjectMetaUpdate(obj.metadata, old.metadata);
}

export function managedFieldsOnUpdate(store: Store, old: any, obj: any, manager: string, sub: string): void {
  const next = updateManagedFields(old, obj, manager, store.schema, { operation: 'Update', apiVersion: store.apiVersion, subresource: sub || undefined, now: nowRFC3339() }) as any;
  if (next !== obj) obj.metadata.managedFields = next.metadata?.managedFields;
}
