/**
 * @module bench/scenarios/proxy
 * Issue 6's Service-programming figures, in scratch network namespaces (never the host's rules):
 * a full iptables sync with 1,000 and 10,000 Services (one port, two endpoints each), a full resync
 * and a partial sync after one EndpointSlice change with 10,000 present, the same for
 * the nftables mode when it is built; and, as the anchor for the physical floor, a bare
 * `iptables-restore --noflush` of the very file the 1,000-Service sync wrote, in the same run.
 * Also: EndpointSlice changed on a real API server -> rule applied on the node (p50/p99).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { APISERVER_ONLY, type Row, type Scenario } from '../lib/harness.js';
import { percentile } from '../lib/h2client.js';
import { startSkiffServer } from '../../test/support/skiff-server.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset } from '../../src/client/clientset.js';
import { IptablesProxier } from '../../src/proxy/iptables/proxier.js';
import { newProxier } from '../../src/proxy/modes.js';
import { ProxyServer, type SyncedEvent } from '../../src/proxy/server.js';
import type { EndpointInfo, Proxier, ProxyState, ServicePortInfo } from '../../src/proxy/types.js';

const run = promisify(execFile);
let seq = 0;

async function withNetns<T>(fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = `skb-px-${process.pid}-${seq++}`;
  await run('ip', ['netns', 'add', ns]);
  try { return await fn(ns); } finally { await run('ip', ['netns', 'del', ns]).catch(() => {}); }
}

const add = (ip: number, n: number) => { const v = (ip + n) >>> 0; return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`; };
const SVC_BASE = (10 << 24 | 96 << 16) >>> 0;
const POD_BASE = (10 << 24 | 128 << 16) >>> 0;

/** `n` Services, one TCP port each, two ready endpoints each. */
export function syntheticState(n: number): ProxyState {
  const services = new Map<string, ServicePortInfo>();
  const endpoints = new Map<string, EndpointInfo[]>();
  for (let i = 0; i < n; i++) {
    const id = `bench/svc-${i}:http`;
    services.set(id, { id, namespace: 'bench', name: `svc-${i}`, portName: 'http', protocol: 'TCP', clusterIP: add(SVC_BASE, i + 1), port: 80,
      nodePort: 0, externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], sessionAffinitySeconds: 0, internalLocal: false, externalLocal: false, healthCheckNodePort: 0 });
    endpoints.set(id, [0, 1].map((k) => ({ ip: add(POD_BASE, 2 * i + k + 1), port: 8080, ready: true, serving: true, terminating: false, isLocal: false })));
  }
  return { nodeName: 'bench', nodeIPs: [], clusterCIDR: '10.128.0.0/9', services, endpoints };
}

function nftablesBuilt(): boolean {
  return existsSync(new URL('../../src/proxy/nftables/proxier.js', import.meta.url));
}

async function syncFigures(mode: 'iptables' | 'nftables', makeProxier: (ns: string) => Promise<Proxier>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [1000, 10_000]) {
    await withNetns(async (ns) => {
      const p = await makeProxier(ns);
      const state = syntheticState(n);
      const first = await p.sync(state);
      rows.push({ name: `${mode}: full sync, ${n} Services x 2 endpoints`, value: first.durationMs / 1000, unit: 's', note: `${first.lines} lines` });
      if (n !== 10_000) return;
      const again = await p.sync(state);
      rows.push({ name: `${mode}: full resync, ${n} Services present (rules already in place)`, value: again.durationMs / 1000, unit: 's' });
      // One EndpointSlice change: one endpoint of one Service replaced.
      const id = 'bench/svc-4242:http';
      const eps = state.endpoints.get(id)!;
      const next: ProxyState = { ...state, endpoints: new Map(state.endpoints).set(id, [eps[0], { ...eps[1], ip: '10.255.0.1' }]) };
      const part = await p.sync(next, new Set([id]));
      rows.push({ name: `${mode}: partial sync after 1 EndpointSlice change, ${n} Services present`, value: part.durationMs, unit: 'ms', note: `${part.lines} lines` });
    });
  }
  return rows;
}

/** The floor: iptables-restore alone, fed the exact file the 1,000-Service iptables sync applied. */
async function restoreAnchor(): Promise<Row> {
  const text = await withNetns(async (ns) => { const p = new IptablesProxier({ netns: ns }); await p.sync(syntheticState(1000)); return p.lastRestore; });
  return withNetns(async (ns) => {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const c = spawn('ip', ['netns', 'exec', ns, 'iptables-restore', '--noflush'], { stdio: ['pipe', 'ignore', 'inherit'] });
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`iptables-restore exited ${code}`))));
      c.stdin.end(text);
    });
    return { name: 'anchor: bare iptables-restore --noflush, 1,000 Services (same file)', value: (performance.now() - t0) / 1000, unit: 's', note: `${text.split('\n').length} lines; host notes measured 0.24 s` };
  });
}

/** EndpointSlice updated on the API server -> the ProxyServer has applied a sync containing it. */
async function programmingLatency(): Promise<Row[]> {
  const srv = await startSkiffServer({ args: APISERVER_ONLY });
  const cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'bench' });
  try {
    return await withNetns(async (ns) => {
      await cs.services.create('default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
      let slice = await cs.endpointslices.create('default', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['10.244.0.1'] }] });
      const proxy = new ProxyServer({ cs, nodeName: 'bench', nodeIPs: [], clusterCIDR: '10.244.0.0/16', mode: 'iptables', proxier: new IptablesProxier({ netns: ns }) });
      await proxy.start();
      const lat: number[] = [];
      try {
        for (let i = 2; i < 42; i++) {
          const want = `10.244.0.${i}`;
          const applied = new Promise<void>((r) => { const f = (e: SyncedEvent) => { if (e.state.endpoints.get('default/web:http')?.[0]?.ip === want) { proxy.off('synced', f); r(); } }; proxy.on('synced', f); });
          const t0 = performance.now();
          slice = await cs.endpointslices.update('default', { ...slice, endpoints: [{ addresses: [want] }] });
          await applied;
          lat.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 120)); // past minSyncPeriod, so each change is measured alone
        }
      } finally { await proxy.stop(); }
      return [
        { name: 'EndpointSlice update -> iptables rule applied, p50 (1 node)', value: percentile(lat, 50), unit: 'ms' },
        { name: 'EndpointSlice update -> iptables rule applied, p99 (1 node)', value: percentile(lat, 99), unit: 'ms' },
      ];
    });
  } finally { cs.close(); await srv.stop(); }
}

export function proxyScenarios(): Scenario[] {
  return [{
    name: 'proxy-sync',
    needs: ['root', 'iptables'],
    async run() {
      const rows = [await restoreAnchor(), ...await syncFigures('iptables', async (ns) => new IptablesProxier({ netns: ns }))];
      if (nftablesBuilt()) rows.push(...await syncFigures('nftables', (ns) => newProxier('nftables', { netns: ns })));
      else rows.push({ name: 'nftables mode', value: NaN, unit: '', note: 'not built' });
      rows.push(...await programmingLatency());
      return rows;
    },
  }];
}
