/**
 * @module apiserver/admission/plugin/namespace-lifecycle
 * The NamespaceLifecycle admission plugin: nothing new may be written into a namespace that does
 * not exist or is being terminated (so a namespace being deleted cannot refill behind the
 * namespace controller's back), and the namespaces the system depends on may not be deleted.
 */
import { StatusError, notFound } from '../../../machinery/status.js';
import type { AdmissionAttributes } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { newForbidden } from './errors.js';

/** Namespaces the cluster cannot work without. */
export const immortalNamespaces = new Set(['default', 'kube-system', 'kube-public']);

/** Reviews are answered, never stored, so they may name any namespace. */
const accessReviewResources = new Set([
  'tokenreviews', 'subjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectaccessreviews',
  'selfsubjectrulesreviews', 'selfsubjectreviews',
]);

const isNamespace = (a: AdmissionAttributes) => a.group === '' && (a.resource === 'namespaces' || a.kind === 'Namespace');

export function namespaceLifecyclePlugin(client: LoopbackClient): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    handles(a) {
      if (isNamespace(a)) return a.operation === 'DELETE' && a.subresource === '';
      if (!a.namespace || a.operation === 'DELETE') return false;
      return !accessReviewResources.has(a.resource);
    },
    async validate(a) {
      if (isNamespace(a)) {
        if (a.operation === 'DELETE' && immortalNamespaces.has(a.name)) throw newForbidden(a, 'this namespace may not be deleted');
        return;
      }
      const ns = await client.get('', 'namespaces', '', a.namespace);
      // Kubernetes refuses every write but a delete into a namespace it cannot find.
      if (!ns) throw notFound('', 'namespaces', a.namespace);
      if (a.operation !== 'CREATE') return;
      if (ns.status?.phase !== 'Terminating' && !ns.metadata?.deletionTimestamp) return;
      const why = `unable to create new content in namespace ${a.namespace} because it is being terminated`;
      const err = newForbidden(a, why);
      throw new StatusError(err.code, err.reason, err.message,
        { ...err.details, causes: [{ reason: 'NamespaceTerminating', message: why, field: 'metadata.namespace' }] });
    },
  };
}
