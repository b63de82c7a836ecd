/**
 * @module controllers/serviceaccount/controller
 * Kubernetes' ServiceAccounts controller: every active namespace has a ServiceAccount named
 * `default` (made again if deleted). Level-triggered: any change to namespaces or service
 * accounts re-checks every namespace. It runs in the server process over the loopback client
 * until the controller manager (issue 4) runs it over the API.
 */
import { StatusError } from '../../machinery/status.js';
import type { LoopbackClient } from '../../apiserver/registry/loopback.js';

export class ServiceAccountsController {
  private unsubs: (() => void)[] = [];
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly client: LoopbackClient, private readonly names: string[] = ['default']) {}

  async start(): Promise<void> {
    await this.sync();
    this.unsubs.push(this.client.onChange('', 'namespaces', () => this.kick()));
    this.unsubs.push(this.client.onChange('', 'serviceaccounts', () => this.kick()));
  }

  stop(): void { for (const u of this.unsubs) u(); this.unsubs = []; }

  private kick(): void {
    if (this.running) { this.again = true; return; }
    this.running = this.sync().catch((e) => { console.error('skiff serviceaccount-controller:', e?.message ?? e); }).finally(() => {
      this.running = null;
      if (this.again) { this.again = false; this.kick(); }
    });
  }

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
