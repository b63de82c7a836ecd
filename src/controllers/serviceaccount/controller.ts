/**
 * @module controllers/serviceaccount/controller
 * Kubernetes' ServiceAccounts controller: every active namespace has a ServiceAccount named
 * `default` (made again if deleted). Level-triggered: any change to namespaces or service
 * accounts re-checks every namespace. It runs in the server process over the loopback client
 * until the controller manager (issue 4) runs it over the API.
 */
import { StatusError } from '../../machinery/status.js';
import type { LoopbackClient } from '../../apiserver/registry/loopback.js';
import { Resync } from '../../machinery/resync.js';

export class ServiceAccountsController {
  private unsubs: (() => void)[] = [];
  private readonly loop = new Resync('serviceaccount-controller', () => this.sync());

  constructor(private readonly client: LoopbackClient, private readonly names: string[] = ['default']) {}

  async start(): Promise<void> {
    await this.sync();
    this.unsubs.push(this.client.onChange('', 'namespaces', () => this.loop.kick()));
    this.unsubs.push(this.client.onChange('', 'serviceaccounts', () => this.loop.kick()));
  }

  stop(): void { for (const u of this.unsubs) u(); this.unsubs = []; }

  /** Make the missing ServiceAccounts; a conflict means someone made it first, which is fine. */
  async sync(): Promise<void> {
    for (const ns of await this.client.list('', 'namespaces')) {
      if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') continue;
      for (const name of this.names) {
        if (await this.client.get('', 'serviceaccounts', ns.metadata.name, name)) continue;
        try {
          await this.client.create('', 'serviceaccounts', ns.metadata.name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns.metadata.name } });
        } catch (e) {
          if (e instanceof StatusError && (e.code === 409 || e.code === 403 || e.code === 404)) continue; // exists, or the namespace is going away
          throw e;
        }
      }
    }
  }
}
