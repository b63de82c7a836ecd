/**
 * @module apiserver/admission/builtin/namespace-lifecycle
 * NamespaceLifecycle: no new content in a namespace that does not exist or is terminating, and
 * the namespaces every cluster needs (default, kube-system, kube-public) cannot be deleted.
 */
import { StatusError, forbidden } from '../../../machinery/status.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';

const PROTECTED = new Set(['default', 'kube-system', 'kube-public']);
/** Kinds that are only questions, not content: never refused for their namespace. */
const EXEMPT = new Set(['tokenreviews', 'subjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']);

export function namespaceLifecyclePlugin(client: LoopbackClient): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    handles: (a) => (a.operation === 'DELETE' && a.group === '' && a.resource === 'namespaces')
      || (a.operation === 'CREATE' && !!a.namespace && !(a.group === '' && a.resource === 'namespaces') && !EXEMPT.has(a.resource)),
    async validate(a) {
      if (a.resource === 'namespaces') {
        if (PROTECTED.has(a.name)) throw forbidden(`namespaces "${a.name}" is forbidden: this namespace may not be deleted`, { name: a.name, kind: 'namespaces' });
        return;
      }
      const ns = await client.get('', 'namespaces', '', a.namespace);
      if (!ns) throw new StatusError(404, 'NotFound', `namespaces "${a.namespace}" not found`, { name: a.namespace, kind: 'namespaces' });
      if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
        throw forbidden(`unable to create new content in namespace ${a.namespace} because it is being terminated`,
          { name: a.namespace, kind: 'namespaces', causes: [{ reason: 'NamespaceTerminating', message: `namespace ${a.namespace} is being terminated`, field: 'metadata.namespace' }] } as any);
      }
    },
  };
}
