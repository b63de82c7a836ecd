/**
 * The ProxyServer's sync runner against a real skiff API server, with a recording Proxier (no
 * packet filter involved): caches first, bursts coalesced, partial syncs carrying only what changed,
 * full resync after a failure.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { NO_COMPONENTS, until } from '../support/controllers.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { ProxyServer } from '../../src/proxy/server.js';
import type { Proxier, ProxyState, SyncResult } from '../../src/proxy/types.js';

class RecordingProxier implements Proxier {
  readonly mode = 'iptables' as const;
  calls: { state: ProxyState; changed?: string[] }[] = [];
  failNext = 0;
  async sync(state: ProxyState, changedIds?: Set<string>): Promise<SyncResult> {
    this.calls.push({ state, changed: changedIds && [...changedIds].sort() });
    if (this.failNext > 0) { this.failNext--; throw new Error('iptables-restore: line 3 failed'); }
    return { changed: changedIds?.size ?? state.services.size, full: !changedIds, lines: 0, durationMs: 0 };
  }
  async rulesFor(): Promise<string> { return ''; }
  async cleanup(): Promise<void> {}
}

let srv: SkiffServer;
let cs: Clientset;
const NS = 'default';
const svc = (name: string, ip: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { clusterIP: ip, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
const slice = (name: string, svcName: string, ip: string) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: [ip], nodeName: 'node-1' }] });

before(async () => {
  srv = await startSkiffServer({ args: NO_COMPONENTS });
  cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-e2e' });
  await cs.services.create(NS, svc('web', '10.96.0.20'));
  await cs.services.create(NS, svc('api', '10.96.0.21'));
  await cs.endpointslices.create(NS, slice('web-1', 'web', '10.244.1.2'));
  await cs.endpointslices.create(NS, slice('api-1', 'api', '10.244.1.3'));
}, { timeout: 60_000 });
after(async () => { cs?.close(); await srv?.stop(); });

test('first sync is full and sees Services with their endpoints; later syncs carry only the changed port; bursts coalesce', { timeout: 60_000 }, async () => {
  const p = new RecordingProxier();
  const server = new ProxyServer({ cs, nodeName: 'node-1', nodeIPs: ['192.168.0.2'], clusterCIDR: '10.244.0.0/16', mode: 'iptables', proxier: p, minSyncPeriodMs: 200 });
  await server.start();
  try {
    assert.equal(p.calls.length, 1);
    assert.equal(p.calls[0].changed, undefined, 'full');
    assert.equal(p.calls[0].state.endpoints.get('default/web:http')?.[0].ip, '10.244.1.2');
    assert.equal(p.calls[0].state.endpoints.get('default/web:http')?.[0].isLocal, true);
    let cur = await cs.endpointslices.get(NS, 'web-1');
    for (let i = 10; i < 30; i++) cur = await cs.endpointslices.update(NS, { ...cur, endpoints: [{ addresses: [`10.244.1.${i}`] }] });
    await until(() => p.calls.at(-1)?.state.endpoints.get('default/web:http')?.[0].ip === '10.244.1.29', 'the last update applied');
    const partial = p.calls.slice(1);
    assert.ok(partial.length < 20 / 2, `20 updates took ${partial.length} syncs`);
    for (const c of partial) assert.deepEqual(c.changed, ['default/web:http']);
    assert.equal(server.syncCount, p.calls.length);
  } finally { await server.stop(); }
});

test('a failed sync is retried with backoff as a full sync', { timeout: 60_000 }, async () => {
  const p = new RecordingProxier();
  p.failNext = 1;
  const server = new ProxyServer({ cs, nodeName: 'node-1', nodeIPs: [], clusterCIDR: '', mode: 'iptables', proxier: p });
  await server.start();
  try {
    assert.equal(server.failureCount, 1);
    assert.equal(p.calls.length, 2);
    assert.equal(p.calls[1].changed, undefined);
    assert.match(server.lastError!.message, /line 3 failed/);
  } finally { await server.stop(); }
});
