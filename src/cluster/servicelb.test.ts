/**
 * The service load balancer: node choice (pure), and the controller against a real skiff API server
 * with a route table in memory (no host routes: the host-route path is covered by the multinode e2e).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../../test/support/skiff-server.js';
import { NO_COMPONENTS, until } from '../../test/support/controllers.js';
import { configFromKubeconfig } from '../client/transport.js';
import { newClientset, type Clientset } from '../client/clientset.js';
import { ServiceLBController, eligibleNodes, nodesWithReadyEndpoints, pickNode, wantsLoadBalancer, type LoadBalancerRoutes } from './servicelb.js';

const node = (name: string, ip: string, ready = true, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('servicelb node choice', () => {
  it('only Ready, non-excluded nodes with a reachable InternalIP carry traffic', () => {
    const nodes = [node('c', '10.0.0.13'), node('a', '10.0.0.11'), node('b', '10.0.0.12', false), node('d', '10.0.0.14', true, { 'node.kubernetes.io/exclude-from-external-load-balancers': '' }), node('e', '192.168.1.5')];
    assert.deepEqual(eligibleNodes(nodes, (ip) => ip.startsWith('10.0.0.')).map((n) => n.name), ['a', 'c']);
  });

  it('keeps the current node while it qualifies, spreads by key otherwise, and under Local picks only nodes with ready endpoints', () => {
    const cands = [{ name: 'a', ip: '10.0.0.11' }, { name: 'b', ip: '10.0.0.12' }, { name: 'c', ip: '10.0.0.13' }];
    const svc = { spec: {} };
    assert.equal(pickNode('ns/x', svc, cands, new Set(), '10.0.0.12')?.name, 'b');
    const picks = new Set(Array.from({ length: 30 }, (_, i) => pickNode(`ns/s${i}`, svc, cands, new Set())!.name));
    assert.equal(picks.size, 3, 'spread over the nodes');
    assert.equal(pickNode('ns/x', svc, cands, new Set())?.name, pickNode('ns/x', svc, cands, new Set())?.name, 'deterministic');
    const local = { spec: { externalTrafficPolicy: 'Local' } };
    assert.equal(pickNode('ns/x', local, cands, new Set(['c']), '10.0.0.12')?.name, 'c');
    assert.equal(pickNode('ns/x', local, cands, new Set()), undefined);
    const slices = [{ endpoints: [{ nodeName: 'a', conditions: { ready: false } }, { nodeName: 'b', conditions: {} }, { nodeName: 'c', conditions: { ready: true } }] }];
    assert.deepEqual([...nodesWithReadyEndpoints(slices)].sort(), ['b', 'c']);
  });

  it('LoadBalancer Services with a loadBalancerClass belong to another controller', () => {
    assert.equal(wantsLoadBalancer({ metadata: {}, spec: { type: 'LoadBalancer' } }), true);
    assert.equal(wantsLoadBalancer({ metadata: {}, spec: { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' } }), false);
    assert.equal(wantsLoadBalancer({ metadata: {}, spec: { type: 'NodePort' } }), false);
  });
});

class MemoryRoutes implements LoadBalancerRoutes {
  readonly where = 'memory';
  table = new Map<string, string>();
  reachable = (ip: string): boolean => ip.startsWith('10.77.0.');
  async list(): Promise<Map<string, string>> { return new Map(this.table); }
  async replace(ip: string, via: string): Promise<void> { this.table.set(ip, via); }
  async delete(ip: string): Promise<void> { this.table.delete(ip); }
}

describe('servicelb controller against a real API server', { timeout: 90_000 }, () => {
  let srv: SkiffServer;
  let cs: Clientset;
  let ctl: ServiceLBController | undefined;
  const routes = new MemoryRoutes();
  const NS = 'default';
  const POOL = '198.51.100.10-198.51.100.13';
  const lb = (name: string, spec: Record<string, unknown> = {}) => cs.services.create(NS, {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec },
  });
  const ingress = async (name: string): Promise<any[]> => (await cs.services.get(NS, name)).status?.loadBalancer?.ingress ?? [];
  const ipOf = async (name: string): Promise<string | undefined> => (await ingress(name))[0]?.ip;
  const setReady = async (name: string, ready: boolean) => {
    const n = await cs.nodes.get('', name);
    n.status = { ...n.status, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: 'Test', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }] };
    await cs.nodes.updateStatus('', n);
  };

  before(async () => {
    srv = await startSkiffServer({ args: NO_COMPONENTS });
    cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'servicelb-test' });
    for (const [i, name] of ['n1', 'n2'].entries()) {
      await cs.nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name } });
      const n = await cs.nodes.get('', name);
      n.status = { addresses: [{ type: 'InternalIP', address: `10.77.0.${11 + i}` }] };
      await cs.nodes.updateStatus('', n);
      await setReady(name, true);
    }
    // Made before the controller starts: an address it must keep, a duplicate claim, and a stale route.
    await lb('kept');
    const kept = await cs.services.get(NS, 'kept');
    await cs.services.updateStatus(NS, { ...kept, status: { loadBalancer: { ingress: [{ ip: '198.51.100.12', ipMode: 'VIP' }] } } });
    await new Promise((r) => setTimeout(r, 1100)); // a later creationTimestamp (second resolution) for the younger claim
    await lb('dup');
    const dup = await cs.services.get(NS, 'dup');
    await cs.services.updateStatus(NS, { ...dup, status: { loadBalancer: { ingress: [{ ip: '198.51.100.12', ipMode: 'VIP' }] } } });
    routes.table.set('198.51.100.13', '10.77.0.11');
    ctl = new ServiceLBController({ cs, pool: POOL, routes });
    await ctl.start();
  });

  after(async () => {
    await ctl?.stop();
    cs?.close();
    await srv?.stop();
  });

  it('rebuilds from statuses on start: the older claim keeps its address, the younger gets another, a stale route goes', async () => {
    assert.equal(await ipOf('kept'), '198.51.100.12');
    const dupIP = await until(async () => { const ip = await ipOf('dup'); return ip !== '198.51.100.12' && ip; }, 'dup re-addressed');
    assert.equal(dupIP, '198.51.100.10');
    assert.equal(routes.table.has('198.51.100.13'), false, 'the stale route is gone');
    assert.equal(routes.table.get('198.51.100.12') !== undefined, true, 'kept is routed');
  });

  it('gives a new LoadBalancer Service the lowest free address with ipMode VIP, routes it to a Ready node, and writes an event', async () => {
    await lb('web');
    const ing = await until(async () => { const i = await ingress('web'); return i.length && i; }, 'web has an ingress');
    assert.deepEqual(ing, [{ ip: '198.51.100.11', ipMode: 'VIP' }]);
    await until(() => ['10.77.0.11', '10.77.0.12'].includes(routes.table.get('198.51.100.11') ?? ''), 'route to a node');
    await until(async () => (await cs.events.list(NS)).items.some((e: any) => e.involvedObject.name === 'web' && e.reason === 'IPAllocated'), 'IPAllocated event');
  });

  it('moves the route off a node that goes NotReady', async () => {
    const via = routes.table.get('198.51.100.11')!;
    const from = via === '10.77.0.11' ? 'n1' : 'n2';
    await setReady(from, false);
    await until(() => { const v = routes.table.get('198.51.100.11'); return v && v !== via; }, 'route moved');
    await setReady(from, true);
  });

  it('leaves a Service with a loadBalancerClass alone, and fails a request outside the pool or when the pool is full', async () => {
    await lb('other', { loadBalancerClass: 'example.com/lb' });
    await lb('outside', { loadBalancerIP: '203.0.113.5' });
    await until(async () => (await cs.events.list(NS)).items.some((e: any) => e.involvedObject.name === 'outside' && e.reason === 'AllocationFailed' && /not allowed/.test(e.message)), 'AllocationFailed event');
    assert.deepEqual(await ingress('other'), []);
    assert.deepEqual(await ingress('outside'), []);
    await lb('last');
    assert.equal(await until(() => ipOf('last'), 'last addressed'), '198.51.100.13');
    await lb('waiting');
    await until(async () => (await cs.events.list(NS)).items.some((e: any) => e.involvedObject.name === 'waiting' && e.reason === 'AllocationFailed' && /no available IPs/.test(e.message)), 'pool full');
    assert.deepEqual(await ingress('waiting'), []);
  });

  it('releases on delete (route gone) and on a type change (status cleared); a waiting Service then gets the address', async () => {
    await cs.services.delete(NS, 'last');
    assert.equal(await until(() => ipOf('waiting'), 'waiting gets the freed address'), '198.51.100.13');
    await until(() => routes.table.has('198.51.100.13'), 'routed again, for waiting');
    const web = await cs.services.get(NS, 'web');
    await cs.services.update(NS, { ...web, spec: { ...web.spec, type: 'ClusterIP', ports: web.spec.ports.map((p: any) => ({ port: p.port, protocol: p.protocol, targetPort: p.targetPort })) } });
    await until(async () => (await ingress('web')).length === 0, 'web status cleared');
    await until(() => !routes.table.has('198.51.100.11'), 'web route removed');
  });

  it('honours spec.loadBalancerIP in the pool when free', async () => {
    await cs.services.delete(NS, 'waiting');
    await until(() => !routes.table.has('198.51.100.13'), 'route of waiting removed');
    await lb('asked', { loadBalancerIP: '198.51.100.13' });
    assert.equal(await until(() => ipOf('asked'), 'asked addressed'), '198.51.100.13');
  });

  it('under externalTrafficPolicy Local routes only to a node with a ready endpoint', async () => {
    await lb('local', { externalTrafficPolicy: 'Local' });
    const ip = await until(() => ipOf('local'), 'local addressed');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(routes.table.get(ip), undefined, 'no endpoints: no route');
    await cs.endpointslices.create(NS, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'local-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'local' } },
      addressType: 'IPv4', ports: [{ port: 80, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.244.2.5'], nodeName: 'n2', conditions: { ready: true } }, { addresses: ['10.244.1.5'], nodeName: 'n1', conditions: { ready: false } }],
    });
    await until(() => routes.table.get(ip) === '10.77.0.12', 'route via n2');
  });
});
