/**
 * @module apiserver/registry/kinds/namespace
 * Namespaces: phase Active on create; deleting one marks it Terminating and leaves it for the
 * namespace controller, which empties it and then removes the `kubernetes` finalizer.
 */
import type { Strategy } from '../strategy.js';

export const namespaceStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
    if (!obj.spec.finalizers) obj.spec.finalizers = ['kubernetes'];
    obj.status = { phase: 'Active' };
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name };
  },
  prepareForUpdate(obj, old) {
    obj.spec = old.spec; // spec.finalizers change only through the finalize subresource
    if (old.status?.phase === 'Terminating') obj.status = { ...(obj.status ?? {}), phase: 'Terminating' };
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name };
  },
  blocksDeletion: (obj) => (obj.spec?.finalizers?.length ?? 0) > 0,
  prepareForDelete(obj) { obj.status = { ...(obj.status ?? {}), phase: 'Terminating' }; },
  fieldAttrs: (obj) => ({ 'status.phase': obj.status?.phase ?? '' }),
};
