/**
 * @module controllers/rootcacertpublisher/controller
 * Kubernetes' root-ca-cert-publisher: a ConfigMap `kube-root-ca.crt` with the cluster CA
 * (`ca.crt`) in every active namespace, so pods can trust the API server. Kept in sync if edited
 * or deleted. Runs over the loopback client until the controller manager (issue 4) takes it.
 */
import { StatusError } from '../../machinery/status.js';
import type { LoopbackClient } from '../../apiserver/registry/loopback.js';
import { Resync } from '../../machinery/resync.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export class RootCACertPublisher {
  private unsubs: (() => void)[] = [];
  private readonly loop = new Resync('root-ca-cert-publisher', () => this.sync());

  constructor(private readonly client: LoopbackClient, private readonly caPem: string) {}

  async start(): Promise<void> {
    await this.sync();
    this.unsubs.push(this.client.onChange('', 'namespaces', () => this.loop.kick()));
    this.unsubs.push(this.client.onChange('', 'configmaps', () => this.loop.kick()));
  }

  stop(): void { for (const u of this.unsubs) u(); this.unsubs = []; }

  async sync(): Promise<void> {
    for (const ns of await this.client.list('', 'namespaces')) {
      if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') continue;
      const name = ns.metadata.name;
      const cm = await this.client.get('', 'configmaps', name, ROOT_CA_CONFIGMAP);
      try {
        if (!cm) {
          await this.client.create('', 'configmaps', name, { apiVersion: 'v1', kind: 'ConfigMap',
            metadata: { name: ROOT_CA_CONFIGMAP, namespace: name, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
            data: { 'ca.crt': this.caPem } });
        } else if (cm.data?.['ca.crt'] !== this.caPem) {
          await this.client.update('', 'configmaps', name, ROOT_CA_CONFIGMAP, (cur) => ({ ...cur, data: { ...(cur.data ?? {}), 'ca.crt': this.caPem } }));
        }
      } catch (e) {
        if (e instanceof StatusError && (e.code === 409 || e.code === 403 || e.code === 404)) continue;
        throw e;
      }
    }
  }
}
