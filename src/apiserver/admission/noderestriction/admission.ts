/**
 * @module apiserver/admission/noderestriction/admission
 * NodeRestriction: what the Node authorizer lets a kubelet (`system:node:<name>`) do in general,
 * this plugin narrows to its own objects, by looking at the bodies: it may create and change only
 * its own Node and Lease, create only mirror pods bound to itself (without ServiceAccount tokens
 * or references to Secrets, ConfigMaps or claims), and change the status of or delete only pods
 * bound to it. Mirrors plugin/pkg/admission/noderestriction.
 */
import { forbidden } from '../../../machinery/status.js';
import type { AdmissionAttributes } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';

const MIRROR = 'kubernetes.io/config.mirror';

export function nodeName(user: { name: string; groups: string[] }): string | undefined {
  if (!user.groups.includes('system:nodes') || !user.name.startsWith('system:node:')) return undefined;
  return user.name.slice('system:node:'.length) || undefined;
}

function refuse(a: AdmissionAttributes, node: string, why: string): never {
  const name = a.name || a.object?.metadata?.name || '';
  throw forbidden(`${a.resource}${a.group ? '.' + a.group : ''} "${name}" is forbidden: node "${node}" ${why}`, { name, kind: a.resource, group: a.group || undefined });
}

function usesForbiddenReferences(spec: any): string | null {
  if (spec?.serviceAccountName) return 'can not create pods that reference a service account';
  for (const v of spec?.volumes ?? []) {
    if (v.secret || v.configMap || v.persistentVolumeClaim || v.projected || v.ephemeral) return 'can not create pods that reference secrets, configmaps, or persistentvolumeclaims';
  }
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    if ((c.envFrom ?? []).length || (c.env ?? []).some((e: any) => e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef)) {
      return 'can not create pods that reference secrets, configmaps, or persistentvolumeclaims';
    }
  }
  return null;
}

export function nodeRestrictionPlugin(client: LoopbackClient): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    handles: (a) => nodeName(a.user) !== undefined,
    async validate(a) {
      const node = nodeName(a.user)!;
      const kind = `${a.group}/${a.resource}`;
      if (kind === '/nodes') {
        const target = a.object?.metadata?.name ?? a.name;
        if (target !== node) refuse(a, node, `is not allowed to modify node "${target}"`);
        return;
      }
      if (kind === 'coordination.k8s.io/leases') {
        if (a.namespace !== 'kube-node-lease' || (a.object?.metadata?.name ?? a.name) !== node) refuse(a, node, 'can only access leases with the same name as the requesting node');
        return;
      }
      if (kind !== '/pods') return;
      if (a.operation === 'CREATE' && !a.subresource) {
        const pod = a.object;
        if (pod?.metadata?.annotations?.[MIRROR] === undefined) refuse(a, node, 'can only create mirror pods');
        if (pod.spec?.nodeName !== node) refuse(a, node, `can only create pods with spec.nodeName set to itself`);
        const why = usesForbiddenReferences(pod.spec);
        if (why) refuse(a, node, why);
        return;
      }
      // Status updates, deletes and evictions: only of pods bound to this node.
      const cur = a.oldObject ?? (await client.get('', 'pods', a.namespace, a.name));
      if (!cur) return; // the store answers 404
      if (cur.spec?.nodeName !== node) refuse(a, node, `can only ${a.operation === 'DELETE' ? 'delete' : 'update'} pods with spec.nodeName set to itself`);
      if (a.operation === 'UPDATE' && a.subresource !== 'status') refuse(a, node, 'can only update pod status');
    },
  };
}
