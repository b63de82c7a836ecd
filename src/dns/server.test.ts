import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import dnsPacket, { type Packet } from 'dns-packet';
import { DNSServer, truncate } from './server.js';
import { ClusterIndex } from './cluster-index.js';
import { queryTCP } from './forward.js';
import { startStubUpstream, type StubUpstream } from './stub-upstream.js';

const HOST = '127.0.0.1';

function udpQuery(port: number, name: string, type: string, o: { edns?: number; id?: number } = {}): Promise<{ raw: Buffer; p: Packet }> {
  const sock = createSocket('udp4');
  const additionals = o.edns ? [{ name: '.', type: 'OPT', udpPayloadSize: o.edns, flags: 0, options: [] }] : [];
  const msg = dnsPacket.encode({ id: o.id ?? 4242, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }], additionals });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { sock.close(); reject(new Error(`no reply for ${name} ${type}`)); }, 5000);
    sock.on('message', (raw) => { clearTimeout(t); sock.close(); resolve({ raw, p: dnsPacket.decode(raw) }); });
    sock.send(msg, port, HOST);
  });
}

async function tcpQuery(port: number, name: string, type: string): Promise<Packet> {
  const msg = dnsPacket.encode({ id: 7, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] });
  return dnsPacket.decode(await queryTCP({ host: HOST, port }, msg, 5000));
}

const rcode = (p: Packet) => (p.flags ?? 0) & 0xf;

let upstream: StubUpstream;
let server: DNSServer;
let port: number;

before(async () => {
  upstream = await startStubUpstream({
    'example.test': [{ type: 'A', data: '192.0.2.80', ttl: 60 }],
    'db.example.test': [{ type: 'A', data: '192.0.2.81', ttl: 60 }],
    'big.example.test': [{ type: 'A', data: '192.0.2.82', ttl: 60 }],
  }, { truncate: ['big.example.test'] });
  const index = new ClusterIndex();
  index.upsertService({ metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80 }] } });
  index.upsertService({ metadata: { namespace: 'default', name: 'many' }, spec: { clusterIP: 'None' } });
  index.upsertService({ metadata: { namespace: 'default', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.test' } });
  const endpoints = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.1.${i + 1}`], conditions: { ready: true } }));
  index.upsertEndpointSlice({ metadata: { namespace: 'default', name: 'many-1', labels: { 'kubernetes.io/service-name': 'many' } }, addressType: 'IPv4', endpoints, ports: [] });
  server = new DNSServer({ address: HOST, port: 0, upstreams: [upstream.address], index });
  const ports = await server.start();
  assert.equal(ports.udpPort, ports.tcpPort);
  port = ports.udpPort;
});

after(async () => {
  await server?.stop();
  await upstream?.stop();
});

test('cluster name over UDP and TCP: authoritative A, id echoed', async () => {
  const { p } = await udpQuery(port, 'web.default.svc.cluster.local', 'A', { id: 999 });
  assert.equal(p.id, 999);
  assert.equal(rcode(p), 0);
  assert.ok(p.flag_aa && p.flag_rd && p.flag_ra);
  assert.deepEqual(p.answers!.map((a) => a.data), ['10.96.0.50']);
  const t = await tcpQuery(port, 'web.default.svc.cluster.local', 'A');
  assert.deepEqual(t.answers!.map((a) => a.data), ['10.96.0.50']);
  const nx = await udpQuery(port, 'nope.default.svc.cluster.local', 'A');
  assert.equal(rcode(nx.p), 3);
  assert.equal(nx.p.authorities![0].type, 'SOA');
});

test('UDP replies over 512 bytes (or the EDNS size) are truncated with TC; TCP gets everything', async () => {
  const plain = await udpQuery(port, 'many.default.svc.cluster.local', 'A');
  assert.ok(plain.raw.length <= 512);
  assert.ok(plain.p.flag_tc, 'TC set');
  assert.ok(plain.p.answers!.length < 60);
  const edns = await udpQuery(port, 'many.default.svc.cluster.local', 'A', { edns: 4096 });
  assert.equal(edns.p.flag_tc, false);
  assert.equal(edns.p.answers!.length, 60);
  assert.equal(edns.p.additionals!.find((a) => a.type === 'OPT')?.udpPayloadSize, 1232);
  const tcp = await tcpQuery(port, 'many.default.svc.cluster.local', 'A');
  assert.equal(tcp.answers!.length, 60);
  assert.equal(tcp.flag_tc, false);
});

test('truncate drops additional records before answers, without TC when that is enough', () => {
  const p: Packet = { id: 1, type: 'response', flags: 0, questions: [{ name: 'x', type: 'SRV' }],
    answers: [{ name: 'x', type: 'A', ttl: 5, data: '1.2.3.4' }],
    additionals: Array.from({ length: 40 }, (_, i) => ({ name: `additional-${i}.example`, type: 'A', ttl: 5, data: '1.2.3.4' })) };
  const out = dnsPacket.decode(truncate(p, 512));
  assert.equal(out.flag_tc, false);
  assert.equal(out.answers!.length, 1);
  assert.equal(out.additionals!.length, 0);
});

test('other names are forwarded to the upstream and cached (positive and negative)', async () => {
  const a = await udpQuery(port, 'example.test', 'A');
  assert.deepEqual(a.p.answers!.map((x) => x.data), ['192.0.2.80']);
  assert.equal(a.p.flag_aa, false);
  const again = await udpQuery(port, 'Example.Test', 'A', { id: 77 });
  assert.equal(again.p.id, 77);
  assert.deepEqual(again.p.answers!.map((x) => x.data), ['192.0.2.80']);
  assert.equal(upstream.queries.get('example.test|A'), 1, 'second query served from the cache');
  const nx1 = await udpQuery(port, 'missing.test', 'A');
  const nx2 = await udpQuery(port, 'missing.test', 'A');
  assert.equal(rcode(nx1.p), 3);
  assert.equal(rcode(nx2.p), 3);
  assert.equal(upstream.queries.get('missing.test|A'), 1, 'NXDOMAIN cached');
});

test('a truncated upstream reply is asked again over TCP', async () => {
  const before = upstream.tcpQueries();
  const r = await udpQuery(port, 'big.example.test', 'A');
  assert.deepEqual(r.p.answers!.map((x) => x.data), ['192.0.2.82']);
  assert.equal(upstream.tcpQueries(), before + 1);
});

test('ExternalName with an out-of-zone target: CNAME plus the upstream answer', async () => {
  const r = await udpQuery(port, 'ext.default.svc.cluster.local', 'A');
  assert.deepEqual(r.p.answers!.map((x) => [x.type, x.data]), [['CNAME', 'db.example.test'], ['A', '192.0.2.81']]);
});

test('cluster-zone and cluster reverse names are never forwarded', async () => {
  const before = [...upstream.queries.values()].reduce((a, b) => a + b, 0);
  assert.equal(rcode((await udpQuery(port, 'x.y.svc.cluster.local', 'A')).p), 3);
  assert.equal(rcode((await udpQuery(port, '9.9.96.10.in-addr.arpa', 'PTR')).p), 3);
  assert.equal([...upstream.queries.values()].reduce((a, b) => a + b, 0), before);
});

test('SERVFAIL when every upstream fails; NOTIMP for other opcodes', async () => {
  // A bound UDP socket that never answers: the forwarder times out.
  const silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, HOST, () => r()));
  const s = new DNSServer({ address: HOST, port: 0, upstreams: [`${HOST}:${silent.address().port}`], index: new ClusterIndex(), upstreamTimeoutMs: 200 });
  const { udpPort } = await s.start();
  try {
    const r = await udpQuery(udpPort, 'example.test', 'A');
    assert.equal(rcode(r.p), 2);
    const update = dnsPacket.encode({ id: 5, type: 'query', flags: 5 << 11, questions: [{ name: 'x', type: 'A' }] });
    const reply = dnsPacket.decode((await s.handle(update, 'udp'))!);
    assert.equal(rcode(reply), 4);
  } finally {
    await s.stop();
    silent.close();
  }
});
