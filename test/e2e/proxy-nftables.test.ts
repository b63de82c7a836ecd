/**
 * End-to-end, kube-proxy's nftables mode on real nft and real packets, all inside network
 * namespaces this test makes (nothing touches the host's ruleset): a "node" namespace with a
 * bridge for three backend namespaces (tiny HTTP servers on 10.244.1.0/24) and a veth to a client
 * namespace (172.31.0.0/24, the node's address 172.31.0.1). The NftablesProxier programs the node
 * through `ip netns exec`. Shown: ClusterIP traffic spreads over every backend; a removed endpoint
 * stops getting traffic; a Service without endpoints is refused at once; NodePort on the node
 * address; externalIPs, LoadBalancer IPs and loadBalancerSourceRanges; hairpin; stale UDP
 * conntrack entries cleared; a partial sync rewrites one Service and leaves the others' rules (their handles) as
 * they were; a restarted proxier reprograms from scratch and drops stale chains; cleanup removes
 * the table. Also prints full-sync figures for 1,000 and 10,000 Services.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { NftablesProxier } from '../../src/proxy/nftables/proxier.js';
import { measureNftablesSync } from '../../src/proxy/nftables/bench.js';
import { execRunner } from '../../src/proxy/exec.js';
import type { EndpointInfo, ProxyState, ServicePortInfo } from '../../src/proxy/types.js';

const isRoot = process.getuid?.() === 0;
const hasTools = spawnSync('nft', ['--version']).status === 0 && spawnSync('ip', ['-V']).status === 0;
const skip = !isRoot ? 'needs root for network namespaces' : !hasTools ? 'needs nft and ip' : false;

const P = process.pid;
const NODE = `sktnft-node-${P}`;
const CLIENT = `sktnft-cl-${P}`;
const BACKENDS = [1, 2, 3].map((i) => ({ ns: `sktnft-be${i}-${P}`, ip: `10.244.1.${10 + i}`, name: `be${i}` }));
const BENCH = `sktnft-bench-${P}`;
const NODE_IP = '172.31.0.1';

function sh(args: string[]): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const inNs = (ns: string, ...args: string[]) => sh(['ip', 'netns', 'exec', ns, ...args]);

const svc = (o: Partial<ServicePortInfo>): ServicePortInfo => ({
  id: '', namespace: 'default', name: '', portName: '', protocol: 'TCP', clusterIP: '', port: 80,
  nodePort: 0, externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], sessionAffinitySeconds: 0,
  internalLocal: false, externalLocal: false, healthCheckNodePort: 0, ...o,
});
const ep = (ip: string): EndpointInfo => ({ ip, port: 8000, ready: true, serving: true, terminating: false, isLocal: true, nodeName: 'node1' });
const WEB = svc({ id: 'default/web:', name: 'web', clusterIP: '10.96.0.10', nodePort: 30080 });
const OTHER = svc({ id: 'default/other:', name: 'other', clusterIP: '10.96.0.12' });
const EMPTY = svc({ id: 'default/empty:', name: 'empty', clusterIP: '10.96.0.11' });

function state(webEps: string[], extra: ServicePortInfo[] = []): ProxyState {
  const services = [WEB, OTHER, EMPTY, ...extra];
  return {
    nodeName: 'node1', nodeIPs: [NODE_IP], clusterCIDR: '10.244.0.0/16',
    services: new Map(services.map((s) => [s.id, s])),
    endpoints: new Map<string, EndpointInfo[]>([[WEB.id, webEps.map(ep)], [OTHER.id, [ep(BACKENDS[0]!.ip)]]]),
  };
}

/**
 * `n` HTTP GETs from the client namespace, each on a new connection (so each is a new conntrack
 * entry and a new random choice): the body ('be1'...) or `ERR:<code>`, and the slowest time.
 */
function requests(url: string, n: number, from = CLIENT, timeoutMs = 3000): { results: string[]; maxMs: number } {
  const script = `
    const http = require('http'); const out = []; let max = 0;
    (async () => { for (let i = 0; i < ${n}; i++) { const t = Date.now();
      out.push(await new Promise((res) => { const r = http.get(${JSON.stringify(url)}, { agent: false, timeout: ${timeoutMs} }, (s) => {
        let b = ''; s.on('data', (d) => b += d); s.on('end', () => res(b)); });
        r.on('timeout', () => r.destroy(Object.assign(new Error('t'), { code: 'TIMEOUT' }))); r.on('error', (e) => res('ERR:' + e.code)); }));
      max = Math.max(max, Date.now() - t); }
      console.log(JSON.stringify({ results: out, maxMs: max })); })();`;
  return JSON.parse(inNs(from, process.execPath, '-e', script));
}
/** One UDP datagram from a fixed client port (the same conntrack tuple every time): the reply or 'TIMEOUT'. */
function udpAsk(ip: string, port: number): string {
  const script = `const s = require('dgram').createSocket({ type: 'udp4', reuseAddr: true });
    const t = setTimeout(() => { console.log('TIMEOUT'); process.exit(0); }, 2000);
    s.on('message', (m) => { console.log(String(m)); clearTimeout(t); s.close(); });
    s.bind(40053, () => s.send('q', ${port}, ${JSON.stringify(ip)}));`;
  return inNs(CLIENT, process.execPath, '-e', script).trim();
}
const tally = (rs: string[]) => rs.reduce<Record<string, number>>((m, r) => ({ ...m, [r]: (m[r] ?? 0) + 1 }), {});

/** Rule handles of every chain whose name contains `needle`, from the live table. */
function handles(needle: string): string {
  const doc = JSON.parse(inNs(NODE, 'nft', '-j', '-a', 'list', 'table', 'ip', 'kube-proxy')) as { nftables: any[] };
  return doc.nftables.filter((o) => o.rule && String(o.rule.chain).includes(needle)).map((o) => `${o.rule.chain}#${o.rule.handle}`).sort().join(',');
}

describe('kube-proxy nftables mode in network namespaces', { skip }, () => {
  const servers: ChildProcess[] = [];
  const made: string[] = [];
  let proxier: NftablesProxier;
  const logs: string[] = [];

  before(async () => {
    for (const ns of [NODE, CLIENT, ...BACKENDS.map((b) => b.ns)]) { sh(['ip', 'netns', 'add', ns]); made.push(ns); }
    sh(['ip', '-n', NODE, 'link', 'set', 'lo', 'up']);
    sh(['ip', '-n', NODE, 'link', 'add', 'br0', 'type', 'bridge']);
    sh(['ip', '-n', NODE, 'addr', 'add', '10.244.1.1/24', 'dev', 'br0']);
    sh(['ip', '-n', NODE, 'link', 'set', 'br0', 'up']);
    // Un-DNATed Service traffic is routed into a veth whose peer stays down: it dies inside the node
    // namespace (the kernel here has no dummy driver), after the forward hook where REJECT acts.
    sh(['ip', '-n', NODE, 'link', 'add', 'svc0', 'type', 'veth', 'peer', 'name', 'svc1']);
    sh(['ip', '-n', NODE, 'link', 'set', 'svc0', 'up']);
    sh(['ip', '-n', NODE, 'route', 'add', '10.96.0.0/12', 'dev', 'svc0']);
    inNs(NODE, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    for (const [i, b] of BACKENDS.entries()) {
      sh(['ip', '-n', NODE, 'link', 'add', `vb${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b.ns]);
      sh(['ip', '-n', NODE, 'link', 'set', `vb${i}`, 'master', 'br0', 'up']);
      // As the CNI bridge plugin's hairpinMode: a pod's DNATed packet may leave by the port it came in.
      sh(['ip', '-n', NODE, 'link', 'set', `vb${i}`, 'type', 'bridge_slave', 'hairpin', 'on']);
      sh(['ip', '-n', b.ns, 'link', 'set', 'lo', 'up']);
      sh(['ip', '-n', b.ns, 'addr', 'add', `${b.ip}/24`, 'dev', 'eth0']);
      sh(['ip', '-n', b.ns, 'link', 'set', 'eth0', 'up']);
      sh(['ip', '-n', b.ns, 'route', 'add', '172.31.0.0/24', 'via', '10.244.1.1']);
      sh(['ip', '-n', b.ns, 'route', 'add', '10.96.0.0/12', 'via', '10.244.1.1']);
    }
    sh(['ip', '-n', NODE, 'link', 'add', 'vc', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', CLIENT]);
    sh(['ip', '-n', NODE, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'vc']);
    sh(['ip', '-n', NODE, 'link', 'set', 'vc', 'up']);
    sh(['ip', '-n', CLIENT, 'link', 'set', 'lo', 'up']);
    sh(['ip', '-n', CLIENT, 'addr', 'add', '172.31.0.2/24', 'dev', 'eth0']);
    sh(['ip', '-n', CLIENT, 'link', 'set', 'eth0', 'up']);
    sh(['ip', '-n', CLIENT, 'route', 'add', '10.96.0.0/12', 'via', NODE_IP]);
    // The external and LoadBalancer addresses of the tests below are reached through the node.
    for (const ip of ['172.31.0.100', '172.31.0.101', '172.31.0.102']) sh(['ip', '-n', CLIENT, 'route', 'add', `${ip}/32`, 'via', NODE_IP]);

    for (const b of BACKENDS) {
      const p = spawn('ip', ['netns', 'exec', b.ns, process.execPath, '-e',
        `const name = ${JSON.stringify(b.name)}; const u = require('dgram').createSocket('udp4');
         u.on('message', (m, r) => u.send(name, r.port, r.address)).bind(5353);
         require('http').createServer((q, s) => s.end(name)).listen(8000, '0.0.0.0', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(p);
      await new Promise<void>((res, rej) => { p.stdout!.once('data', () => res()); p.once('exit', (c) => rej(new Error(`backend ${b.name} exited ${c}`))); });
    }
    proxier = new NftablesProxier({ runner: execRunner(NODE), log: (m) => logs.push(m) });
  });

  after(() => {
    for (const p of servers) if (p.pid && p.exitCode === null) p.kill('SIGKILL');
    for (const ns of made.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['netns', 'del', BENCH]);
  });

  it('ClusterIP traffic reaches and spreads over all backends', async () => {
    const r = await proxier.sync(state(BACKENDS.map((b) => b.ip)));
    assert.equal(r.full, true);
    assert.equal(r.changed, 3);
    const t = tally(requests('http://10.96.0.10/', 60).results);
    assert.deepEqual(Object.keys(t).sort(), ['be1', 'be2', 'be3'], JSON.stringify(t));
  });

  it('NodePort answers on the node address', () => {
    const t = tally(requests(`http://${NODE_IP}:30080/`, 60).results);
    assert.deepEqual(Object.keys(t).sort(), ['be1', 'be2', 'be3'], JSON.stringify(t));
  });

  it('a Service with no endpoints is refused at once', () => {
    const { results, maxMs } = requests('http://10.96.0.11/', 3);
    assert.deepEqual(results, ['ERR:ECONNREFUSED', 'ERR:ECONNREFUSED', 'ERR:ECONNREFUSED']);
    assert.ok(maxMs < 1000, `refused after ${maxMs} ms`);
  });

  it('a partial sync rewrites only the changed Service; a removed endpoint gets no more traffic', async () => {
    const otherBefore = handles('/other/');
    const webBefore = handles('/web/');
    assert.ok(otherBefore && webBefore);
    const r = await proxier.sync(state([BACKENDS[0]!.ip, BACKENDS[1]!.ip]), new Set([WEB.id]));
    assert.equal(r.full, false);
    assert.equal(r.changed, 1);
    assert.equal(handles('/other/'), otherBefore, 'the other Service\'s rules were not touched');
    assert.notEqual(handles('/web/'), webBefore);
    assert.ok(!handles('/web/').includes(`__${BACKENDS[2]!.ip}/`), 'the removed endpoint\'s chain is gone');
    const t = tally(requests('http://10.96.0.10/', 30).results);
    assert.deepEqual(Object.keys(t).sort(), ['be1', 'be2'], JSON.stringify(t));
    assert.deepEqual(requests('http://10.96.0.12/', 1).results, ['be1'], 'the other Service still serves');
  });

  it('endpoints coming back to a Service without any: refused turns into served', async () => {
    const filled = state([BACKENDS[0]!.ip, BACKENDS[1]!.ip]);
    filled.endpoints.set(EMPTY.id, [ep(BACKENDS[2]!.ip)]);
    await proxier.sync(filled, new Set([EMPTY.id]));
    assert.deepEqual(requests('http://10.96.0.11/', 2).results, ['be3', 'be3']);
    await proxier.sync(state([BACKENDS[0]!.ip, BACKENDS[1]!.ip]), new Set([EMPTY.id]));
    assert.deepEqual(requests('http://10.96.0.11/', 1).results, ['ERR:ECONNREFUSED']);
  });

  it('hairpin: a pod reaching its own Service is answered through it (masqueraded)', async () => {
    const self = svc({ id: 'default/self:', name: 'self', clusterIP: '10.96.0.20' });
    const st = state([BACKENDS[0]!.ip, BACKENDS[1]!.ip], [self]);
    st.endpoints.set(self.id, [ep(BACKENDS[0]!.ip)]);
    await proxier.sync(st, new Set([self.id]));
    assert.deepEqual(requests('http://10.96.0.20/', 2, BACKENDS[0]!.ns).results, ['be1', 'be1']);
    st.services.delete(self.id);
    await proxier.sync(st, new Set([self.id]));
  });

  it('externalIPs and LoadBalancer IPs, with loadBalancerSourceRanges enforced', async () => {
    const ext = svc({ id: 'default/ext:', name: 'ext', clusterIP: '10.96.0.21', externalIPs: ['172.31.0.100'] });
    const lbOk = svc({ id: 'default/lb-ok:', name: 'lb-ok', clusterIP: '10.96.0.22', loadBalancerIPs: ['172.31.0.101'], loadBalancerSourceRanges: ['172.31.0.0/24'] });
    const lbNo = svc({ id: 'default/lb-no:', name: 'lb-no', clusterIP: '10.96.0.23', loadBalancerIPs: ['172.31.0.102'], loadBalancerSourceRanges: ['198.51.100.0/24'] });
    const st = state([BACKENDS[0]!.ip, BACKENDS[1]!.ip], [ext, lbOk, lbNo]);
    for (const s of [ext, lbOk, lbNo]) st.endpoints.set(s.id, [ep(BACKENDS[2]!.ip)]);
    const ids = new Set([ext.id, lbOk.id, lbNo.id]);
    await proxier.sync(st, ids);
    assert.deepEqual(requests('http://172.31.0.100/', 1).results, ['be3']);
    assert.deepEqual(requests('http://172.31.0.101/', 1).results, ['be3']);
    // Dropped (not refused) for a source outside the ranges: nothing ever answers.
    assert.deepEqual(requests('http://172.31.0.102/', 1, CLIENT, 1000).results, ['ERR:TIMEOUT']);
    for (const id of ids) st.services.delete(id);
    await proxier.sync(st, ids);
  });

  it('UDP: a flow pinned to a removed endpoint is cleared from conntrack and moves on', async () => {
    const dns = svc({ id: 'default/dns:dns', name: 'dns', portName: 'dns', protocol: 'UDP', clusterIP: '10.96.0.53', port: 53 });
    const base = state([BACKENDS[0]!.ip, BACKENDS[1]!.ip], [dns]);
    const udpEp = (ip: string): EndpointInfo => ({ ...ep(ip), port: 5353 });
    base.endpoints.set(dns.id, [udpEp(BACKENDS[0]!.ip)]);
    await proxier.sync(base, new Set([dns.id]));
    assert.equal(udpAsk('10.96.0.53', 53), 'be1');
    assert.match(inNs(NODE, 'conntrack', '-L', '-p', 'udp', '--orig-dst', '10.96.0.53'), /sport=40053 .*src=10\.244\.1\.11/);
    base.endpoints.set(dns.id, [udpEp(BACKENDS[1]!.ip)]);
    await proxier.sync(base, new Set([dns.id]));
    // be1 still answers on 5353: without the conntrack cleanup the same 5-tuple would stay on it.
    assert.equal(udpAsk('10.96.0.53', 53), 'be2');
    base.services.delete(dns.id);
    await proxier.sync(base, new Set([dns.id]));
  });

  it('rulesFor lists one Service\'s map elements and chains, nothing of the others', async () => {
    const text = await proxier.rulesFor('default', 'web');
    assert.match(text, /map service-ips \{\n\t10\.96\.0\.10 \. tcp \. 80 : goto service-[A-Z2-7]{8}-default\/web\/tcp\/\n\}/);
    assert.match(text, /map service-nodeports \{\n\ttcp \. 30080 : goto external-/);
    assert.match(text, /chain endpoint-[A-Z2-7]{8}-default\/web\/tcp\/__10\.244\.1\.11\/8000 \{/);
    assert.match(text, /dnat to 10\.244\.1\.12:8000/);
    assert.ok(!text.includes('/other/') && !text.includes('/empty/'));
    assert.match(await proxier.rulesFor('default', 'empty'), /map no-endpoint-services \{\n\t10\.96\.0\.11 \. tcp \. 80 comment "default\/empty:" : goto reject-chain/);
    assert.equal(await proxier.rulesFor('default', 'nope'), '');
  });

  it('a restarted proxier reprograms from scratch and removes what is stale', async () => {
    // The first proxier knew a Service that is gone by the time the new one starts.
    const extra = svc({ id: 'default/gone:', name: 'gone', clusterIP: '10.96.0.13' });
    const withExtra = state([BACKENDS[0]!.ip, BACKENDS[1]!.ip], [extra]);
    withExtra.endpoints.set(extra.id, [ep(BACKENDS[1]!.ip)]);
    await proxier.sync(withExtra, new Set([extra.id]));
    assert.match(handles('/gone/'), /gone/);
    // kube-proxy "stopped": the rules keep serving without it.
    assert.deepEqual(requests('http://10.96.0.13/', 1).results, ['be2']);
    // The new one balances with numgen cascades instead of vmaps: every Service chain is rewritten.
    const restarted = new NftablesProxier({ runner: execRunner(NODE), loadBalancing: 'cascade' });
    const r = await restarted.sync(state([BACKENDS[0]!.ip, BACKENDS[2]!.ip]), new Set([WEB.id]));
    assert.equal(r.full, true, 'a new proxier always starts with a full sync');
    assert.equal(handles('/gone/'), '');
    assert.deepEqual(requests('http://10.96.0.13/', 1, CLIENT, 1000).results.map((x) => x.startsWith('ERR:')), [true], 'no rule is left for it');
    assert.match(await restarted.rulesFor('default', 'web'), /numgen random mod 2 0 goto endpoint-/);
    const t = tally(requests('http://10.96.0.10/', 40).results);
    assert.deepEqual(Object.keys(t).sort(), ['be1', 'be3'], JSON.stringify(t));
    proxier = restarted;
  });

  it('cleanup removes the table (and only it)', async () => {
    await proxier.cleanup();
    assert.equal(inNs(NODE, 'nft', 'list', 'tables').trim(), '');
    await proxier.cleanup(); // idempotent
  });

  it('full sync figures for 1,000 and 10,000 Services (generation and nft -f timed apart)', async () => {
    sh(['ip', 'netns', 'add', BENCH]);
    try {
      // upstream's vmap form costs quadratic kernel time in one transaction (~80 s at 10,000 here): opt in.
      const runs: Array<[number, 'vmap' | 'cascade']> = [[1000, 'vmap'], [1000, 'cascade'], [10000, 'cascade']];
      if (process.env.SKIFF_NFT_BENCH_VMAP10K) runs.push([10000, 'vmap']);
      for (const [n, lb] of runs) {
        const f = await measureNftablesSync(execRunner(BENCH), n, { loadBalancing: lb });
        console.log(`# nftables (${lb}) full sync ${n} services x2 endpoints: ${f.lines} statements, generate ${f.generateMs.toFixed(0)} ms, nft -f ${f.applyMs.toFixed(0)} ms; ` +
          `partial (1 service): ${f.partialLines} statements, generate ${f.partialGenerateMs.toFixed(1)} ms, nft -f ${f.partialApplyMs.toFixed(0)} ms`);
        assert.ok(f.applyMs > 0 && f.partialLines < f.lines / 10);
      }
      assert.equal(inNs(BENCH, 'nft', 'list', 'tables').trim(), '');
    } finally {
      spawnSync('ip', ['netns', 'del', BENCH]);
    }
  });
});
