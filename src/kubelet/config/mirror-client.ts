/**
 * @module kubelet/config/mirror-client
 * Mirror pods (upstream pkg/kubelet/pod/mirror_client.go): the API's read-only copy of a static
 * pod, so `kubectl get pods` shows it and its status. A mirror pod carries the annotation
 * `kubernetes.io/config.mirror` with the static pod's hash and an ownerReference to the Node;
 * it gets a UID of its own from the API server. It is deleted (grace 0, UID precondition) when the
 * static pod goes away or its manifest changes, and re-created when someone deletes it.
 */
import { StatusError } from '../../machinery/status.js';
import type { Clientset } from '../../client/clientset.js';
import { CONFIG_HASH, CONFIG_MIRROR } from './file.js';

export const isMirrorPod = (pod: any): boolean => pod?.metadata?.annotations?.[CONFIG_MIRROR] !== undefined;

/** The mirror's hash (the static pod's UID it stands for). */
export const mirrorHash = (pod: any): string | undefined => pod?.metadata?.annotations?.[CONFIG_MIRROR];

export class MirrorClient {
  constructor(private readonly cs: Clientset, private readonly nodeName: string, private readonly nodeUID: () => string | undefined) {}

  async createMirrorPod(staticPod: any): Promise<any> {
    const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, ...meta } = staticPod.metadata;
    const nodeUID = this.nodeUID() ?? (await this.cs.nodes.get('', this.nodeName)).metadata.uid;
    const mirror = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        ...meta,
        annotations: { ...(meta.annotations ?? {}), [CONFIG_MIRROR]: staticPod.metadata.annotations?.[CONFIG_HASH] ?? staticPod.metadata.uid },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: nodeUID, controller: true }],
      },
      spec: staticPod.spec,
    };
    try {
      return await this.cs.pods.create(mirror.metadata.namespace, mirror);
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) return undefined; // already there: the next sync checks it
      throw e;
    }
  }

  async deleteMirrorPod(mirror: any): Promise<void> {
    try {
      await this.cs.pods.delete(mirror.metadata.namespace, mirror.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid: mirror.metadata.uid } });
    } catch (e) {
      if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) throw e;
    }
  }
}
