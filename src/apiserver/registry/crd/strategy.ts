/**
 * @module apiserver/registry/crd/strategy
 * CustomResourceDefinitions: the name must be `<plural>.<group>`, exactly one version is the storage
 * version, scope and names are checked; a new CRD gets the cleanup finalizer so that deleting it
 * first deletes its custom resources.
 */
import type { Strategy } from '../strategy.js';
import { invalid, required, notSupported, forbiddenField, type FieldError } from '../../../machinery/field-errors.js';

export const CRD_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function validate(obj: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj.spec ?? {};
  const names = spec.names ?? {};
  if (!spec.group) errs.push(required('spec.group'));
  else if (!spec.group.includes('.')) errs.push(invalid('spec.group', spec.group, 'should be a domain with at least one dot'));
  if (!names.plural) errs.push(required('spec.names.plural'));
  else if (!DNS_LABEL.test(names.plural)) errs.push(invalid('spec.names.plural', names.plural, 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character'));
  if (!names.kind) errs.push(required('spec.names.kind'));
  if (names.plural && spec.group && obj.metadata?.name !== `${names.plural}.${spec.group}`) {
    errs.push(invalid('metadata.name', obj.metadata?.name, `must be spec.names.plural+"."+spec.group`));
  }
  if (!['Namespaced', 'Cluster'].includes(spec.scope)) errs.push(notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  const versions: any[] = spec.versions ?? [];
  if (!versions.length) errs.push(required('spec.versions', 'must have exactly one version marked as storage version'));
  else if (versions.filter((v) => v.storage).length !== 1) errs.push(invalid('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
  versions.forEach((v, i) => {
    if (!v.name) errs.push(required(`spec.versions[${i}].name`));
    if (!v.schema?.openAPIV3Schema) errs.push(required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
    else if (v.schema.openAPIV3Schema.type !== 'object') errs.push(invalid(`spec.versions[${i}].schema.openAPIV3Schema.type`, v.schema.openAPIV3Schema.type, 'must be object at the root'));
  });
  return errs;
}

export const crdStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [] };
    const f: string[] = obj.metadata.finalizers ?? [];
    if (!f.includes(CRD_FINALIZER)) obj.metadata.finalizers = [...f, CRD_FINALIZER];
  },
  validate,
  validateUpdate(obj, old) {
    const errs = validate(obj);
    if (old.spec?.scope && obj.spec?.scope !== old.spec.scope) errs.push(forbiddenField('spec.scope', 'field is immutable'));
    return errs;
  },
};
