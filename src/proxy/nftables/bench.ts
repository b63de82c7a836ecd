/**
 * @module proxy/nftables/bench
 * Measures nftables-mode programming at scale: a synthetic ProxyState of N ClusterIP Services,
 * the time to generate the full transaction, the time `nft -f` takes to apply it, and one partial
 * sync (one Service's endpoints changed) on top. Used by the e2e test and the bench; run it only
 * against a network namespace made for the purpose.
 */
import type { CommandRunner } from '../exec.js';
import type { EndpointInfo, ProxyState, ServicePortInfo } from '../types.js';
import { applyScript, deleteTable } from './nft.js';
import { buildNftScript } from './script.js';
import type { LoadBalancing } from './service-rules.js';

/** `count` TCP Services in 10.96.0.0/12, each with `endpointsPerService` ready endpoints in 10.244.0.0/16. */
export function syntheticState(count: number, endpointsPerService = 2): ProxyState {
  const services = new Map<string, ServicePortInfo>();
  const endpoints = new Map<string, EndpointInfo[]>();
  const ip = (base: number, n: number) => `${base >>> 24}.${(base >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  let next = 2;
  for (let i = 0; i < count; i++) {
    const id = `bench/svc-${i}:http`;
    services.set(id, {
      id, namespace: 'bench', name: `svc-${i}`, portName: 'http', protocol: 'TCP', clusterIP: ip(0x0a600000, i + 10), port: 80,
      nodePort: 0, externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], sessionAffinitySeconds: 0,
      internalLocal: false, externalLocal: false, healthCheckNodePort: 0,
    });
    const eps: EndpointInfo[] = [];
    for (let j = 0; j < endpointsPerService; j++) eps.push({ ip: ip(0x0af40000, next++), port: 8080, ready: true, serving: true, terminating: false, isLocal: false });
    endpoints.set(id, eps);
  }
  return { nodeName: 'bench', nodeIPs: ['172.31.0.1'], clusterCIDR: '10.244.0.0/16', services, endpoints };
}

export interface NftablesSyncFigures {
  services: number;
  loadBalancing: LoadBalancing;
  endpointsPerService: number;
  lines: number;
  generateMs: number;
  applyMs: number;
  partialGenerateMs: number;
  partialApplyMs: number;
  partialLines: number;
}

/** Full sync of `services` Services then one partial sync, timed; the table is deleted afterwards. */
export async function measureNftablesSync(
  runner: CommandRunner, services: number,
  opts: { endpointsPerService?: number; tableName?: string; loadBalancing?: LoadBalancing } = {},
): Promise<NftablesSyncFigures> {
  const { endpointsPerService = 2, tableName = 'kube-proxy', loadBalancing = 'vmap' } = opts;
  const state = syntheticState(services, endpointsPerService);
  try {
    let t0 = performance.now();
    const full = await buildNftScript(state, undefined, { tableName, loadBalancing });
    const generateMs = performance.now() - t0;
    t0 = performance.now();
    await applyScript(runner, full.text);
    const applyMs = performance.now() - t0;

    const changedId = 'bench/svc-0:http';
    const endpoints = new Map(state.endpoints);
    endpoints.set(changedId, [{ ip: '10.244.255.250', port: 8080, ready: true, serving: true, terminating: false, isLocal: false }]);
    t0 = performance.now();
    const partial = await buildNftScript({ ...state, endpoints }, new Set([changedId]), { tableName, previous: full.programmed, loadBalancing });
    const partialGenerateMs = performance.now() - t0;
    t0 = performance.now();
    await applyScript(runner, partial.text);
    const partialApplyMs = performance.now() - t0;
    return { services, loadBalancing, endpointsPerService, lines: full.lines, generateMs, applyMs, partialGenerateMs, partialApplyMs, partialLines: partial.lines };
  } finally {
    await deleteTable(runner, tableName);
  }
}
