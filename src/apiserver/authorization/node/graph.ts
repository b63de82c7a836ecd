/**
 * @module apiserver/authorization/node/graph
 * The relationships the Node authorizer checks, a simplified form of Kubernetes' node authorizer
 * graph: a node reaches the pods bound to it (spec.nodeName), and through them the Secrets,
 * ConfigMaps, PersistentVolumeClaims (and their bound PersistentVolumes) and ServiceAccount those
 * pods reference. Built in one pass over all pods, so a check is a set lookup.
 */

export interface PodReferences { secrets: string[]; configMaps: string[]; pvcs: string[]; serviceAccount: string }

/** Every container of a pod: init, regular and ephemeral. */
function containersOf(spec: any): any[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])];
}

/** VisitPodSecretNames, VisitPodConfigmapNames and the PVC/ServiceAccount edges of one pod. */
export function podReferences(pod: any): PodReferences {
  const spec = pod?.spec ?? {};
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const pvcs = new Set<string>();
  const add = (set: Set<string>, name: unknown) => { if (typeof name === 'string' && name) set.add(name); };
  for (const s of spec.imagePullSecrets ?? []) add(secrets, s?.name);
  for (const c of containersOf(spec)) {
    for (const e of c?.envFrom ?? []) { add(secrets, e?.secretRef?.name); add(configMaps, e?.configMapRef?.name); }
    for (const e of c?.env ?? []) { add(secrets, e?.valueFrom?.secretKeyRef?.name); add(configMaps, e?.valueFrom?.configMapKeyRef?.name); }
  }
  for (const v of spec.volumes ?? []) {
    if (!v) continue;
    add(secrets, v.secret?.secretName);
    add(configMaps, v.configMap?.name);
    for (const src of v.projected?.sources ?? []) { add(secrets, src?.secret?.name); add(configMaps, src?.configMap?.name); }
    // Volume plugins that read their credentials from a Secret.
    add(secrets, v.azureFile?.secretName);
    for (const k of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos']) add(secrets, v[k]?.secretRef?.name);
    add(secrets, v.csi?.nodePublishSecretRef?.name);
    add(pvcs, v.persistentVolumeClaim?.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    if (v.ephemeral && pod?.metadata?.name) pvcs.add(`${pod.metadata.name}-${v.name}`);
  }
  const serviceAccount = spec.serviceAccountName || spec.serviceAccount || 'default';
  return { secrets: [...secrets], configMaps: [...configMaps], pvcs: [...pvcs], serviceAccount };
}

export type VertexType = 'secret' | 'configmap' | 'pvc' | 'pv' | 'serviceaccount';

/** What each node may reach: `type|namespace/name` (PVs have no namespace). */
export class NodeGraph {
  private reach = new Map<string, Set<string>>();
  /** namespace/name of each pod -> the node it is bound to ('' when unbound). */
  readonly podNode = new Map<string, string>();

  constructor(pods: readonly any[], pvcs: readonly any[] = []) {
    const volumeOf = new Map<string, string>();
    for (const c of pvcs) if (c?.spec?.volumeName) volumeOf.set(`${c.metadata?.namespace}/${c.metadata?.name}`, c.spec.volumeName);
    for (const pod of pods) {
      const ns = pod?.metadata?.namespace ?? '';
      const node = pod?.spec?.nodeName ?? '';
      this.podNode.set(`${ns}/${pod?.metadata?.name}`, node);
      if (!node) continue;
      let set = this.reach.get(node);
      if (!set) this.reach.set(node, (set = new Set()));
      const refs = podReferences(pod);
      for (const s of refs.secrets) set.add(`secret|${ns}/${s}`);
      for (const c of refs.configMaps) set.add(`configmap|${ns}/${c}`);
      for (const c of refs.pvcs) {
        set.add(`pvc|${ns}/${c}`);
        const pv = volumeOf.get(`${ns}/${c}`);
        if (pv) set.add(`pv|/${pv}`);
      }
      set.add(`serviceaccount|${ns}/${refs.serviceAccount}`);
    }
  }

  /** hasPathFrom: is the object reachable from the node? */
  hasPath(node: string, type: VertexType, namespace: string, name: string): boolean {
    return this.reach.get(node)?.has(`${type}|${type === 'pv' ? '' : namespace}/${name}`) ?? false;
  }
}
