import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterIndex } from './cluster-index.js';
import { lookup, RCODE, type ZoneConfig } from './records.js';
import { CIDRSet, ipFromReverseName, reverseName, reverseZoneOf } from './reverse.js';

const cfg: ZoneConfig = { zone: 'cluster.local', ttl: 5, nsAddresses: ['10.96.0.10'], reverseCIDRs: new CIDRSet(['10.96.0.0/12', '10.244.0.0/16']), serial: 1 };

function slice(ns: string, svc: string, name: string, endpoints: any[], ports: any[] = [{ name: 'http', port: 8080, protocol: 'TCP' }], addressType = 'IPv4') {
  return { metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svc } }, addressType, endpoints, ports };
}

function cluster(): ClusterIndex {
  const ix = new ClusterIndex();
  ix.upsertService({ metadata: { namespace: 'doctor-app', name: 'doctor-backend' }, spec: { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 8000, protocol: 'TCP' }, { port: 9000, protocol: 'TCP' }] } });
  ix.upsertEndpointSlice(slice('doctor-app', 'doctor-backend', 'doctor-backend-abc', [
    { addresses: ['10.244.1.5'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'be-1' } },
    { addresses: ['10.244.2.6'], conditions: { ready: false } },
  ], [{ name: 'http', port: 8000, protocol: 'TCP' }]));
  ix.upsertService({ metadata: { namespace: 'doctor-app', name: 'postgres' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] } });
  ix.upsertEndpointSlice(slice('doctor-app', 'postgres', 'postgres-1', [
    { addresses: ['10.244.1.10'], hostname: 'postgres-0', conditions: { ready: true } },
    { addresses: ['10.244.2.11'], hostname: 'postgres-1' },
    { addresses: ['10.244.3.12'], hostname: 'postgres-2', conditions: { ready: false } },
  ], [{ name: 'pg', port: 5432, protocol: 'TCP' }]));
  ix.upsertService({ metadata: { namespace: 'doctor-app', name: 'empty' }, spec: { clusterIP: 'None' } });
  ix.upsertService({ metadata: { namespace: 'doctor-app', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } });
  ix.upsertService({ metadata: { namespace: 'doctor-app', name: 'alias' }, spec: { type: 'ExternalName', externalName: 'doctor-backend.doctor-app.svc.cluster.local' } });
  ix.upsertPod({ metadata: { namespace: 'doctor-app', name: 'fe' }, status: { phase: 'Running', podIP: '10.244.3.7', podIPs: [{ ip: '10.244.3.7' }] } });
  ix.upsertPod({ metadata: { namespace: 'doctor-app', name: 'done' }, status: { phase: 'Succeeded', podIP: '10.244.3.8' } });
  return ix;
}

const data = (r: ReturnType<typeof lookup>) => r.answers.map((a) => (typeof a.data === 'object' && !Array.isArray(a.data) ? { ...a.data } : a.data));

test('ClusterIP Service: A to the ClusterIP, AAAA NODATA with SOA, unknown name NXDOMAIN', () => {
  const ix = cluster();
  const a = lookup(ix, 'doctor-backend.doctor-app.svc.cluster.local', 'A', cfg);
  assert.equal(a.rcode, RCODE.NOERROR);
  assert.ok(a.authoritative);
  assert.deepEqual(a.answers, [{ name: 'doctor-backend.doctor-app.svc.cluster.local', type: 'A', ttl: 5, data: '10.96.0.20' }]);
  const aaaa = lookup(ix, 'doctor-backend.doctor-app.svc.cluster.local', 'AAAA', cfg);
  assert.equal(aaaa.rcode, RCODE.NOERROR);
  assert.equal(aaaa.answers.length, 0);
  assert.equal(aaaa.authorities[0].type, 'SOA');
  const nx = lookup(ix, 'nope.doctor-app.svc.cluster.local', 'A', cfg);
  assert.equal(nx.rcode, RCODE.NXDOMAIN);
  assert.equal(nx.authorities[0].type, 'SOA');
  // Case-insensitive, answered under the name as asked.
  assert.equal(lookup(ix, 'Doctor-Backend.Doctor-App.SVC.cluster.local.', 'A', cfg).answers[0].name, 'Doctor-Backend.Doctor-App.SVC.cluster.local.');
});

test('headless Service: one A per ready endpoint; hostname records; none ready is NXDOMAIN', () => {
  const ix = cluster();
  assert.deepEqual(data(lookup(ix, 'postgres.doctor-app.svc.cluster.local', 'A', cfg)).sort(), ['10.244.1.10', '10.244.2.11']);
  assert.deepEqual(data(lookup(ix, 'postgres-0.postgres.doctor-app.svc.cluster.local', 'A', cfg)), ['10.244.1.10']);
  assert.equal(lookup(ix, 'postgres-2.postgres.doctor-app.svc.cluster.local', 'A', cfg).rcode, RCODE.NXDOMAIN, 'unready endpoint');
  assert.equal(lookup(ix, 'empty.doctor-app.svc.cluster.local', 'A', cfg).rcode, RCODE.NXDOMAIN);
  // An endpoint of a ClusterIP Service by its dashed IP (CoreDNS answers endpoint names for any Service).
  assert.deepEqual(data(lookup(ix, '10-244-1-5.doctor-backend.doctor-app.svc.cluster.local', 'A', cfg)), ['10.244.1.5']);
  assert.equal(lookup(ix, '10-244-2-6.doctor-backend.doctor-app.svc.cluster.local', 'A', cfg).rcode, RCODE.NXDOMAIN);
  // An endpoint turning ready appears; a slice deleted takes its endpoints with it.
  ix.upsertEndpointSlice(slice('doctor-app', 'postgres', 'postgres-1', [{ addresses: ['10.244.3.12'], hostname: 'postgres-2', conditions: { ready: true } }], [{ name: 'pg', port: 5432, protocol: 'TCP' }]));
  assert.deepEqual(data(lookup(ix, 'postgres.doctor-app.svc.cluster.local', 'A', cfg)), ['10.244.3.12']);
  ix.deleteEndpointSlice({ metadata: { namespace: 'doctor-app', name: 'postgres-1' } });
  assert.equal(lookup(ix, 'postgres.doctor-app.svc.cluster.local', 'A', cfg).rcode, RCODE.NXDOMAIN);
});

test('SRV: named ports only; ClusterIP to the Service name, headless per endpoint with A in additional', () => {
  const ix = cluster();
  const s = lookup(ix, '_http._tcp.doctor-backend.doctor-app.svc.cluster.local', 'SRV', cfg);
  assert.deepEqual(data(s), [{ priority: 0, weight: 100, port: 8000, target: 'doctor-backend.doctor-app.svc.cluster.local' }]);
  assert.deepEqual(s.additionals.map((a) => [a.name, a.type, a.data]), [['doctor-backend.doctor-app.svc.cluster.local', 'A', '10.96.0.20']]);
  assert.equal(lookup(ix, '_nope._tcp.doctor-backend.doctor-app.svc.cluster.local', 'SRV', cfg).rcode, RCODE.NXDOMAIN);
  assert.equal(lookup(ix, '_http._udp.doctor-backend.doctor-app.svc.cluster.local', 'SRV', cfg).rcode, RCODE.NXDOMAIN);
  const h = lookup(ix, '_pg._tcp.postgres.doctor-app.svc.cluster.local', 'SRV', cfg);
  assert.deepEqual(data(h).map((d: any) => `${d.priority} ${d.weight} ${d.port} ${d.target}`).sort(), [
    '0 50 5432 postgres-0.postgres.doctor-app.svc.cluster.local', '0 50 5432 postgres-1.postgres.doctor-app.svc.cluster.local']);
  assert.equal(h.additionals.length, 2);
  // An A query on the SRV name answers the matched addresses, as CoreDNS does.
  assert.deepEqual(data(lookup(ix, '_http._tcp.doctor-backend.doctor-app.svc.cluster.local', 'A', cfg)), ['10.96.0.20']);
});

test('ExternalName: CNAME; in-zone target followed, out-of-zone target left to the upstream; SRV NODATA', () => {
  const ix = cluster();
  const e = lookup(ix, 'ext.doctor-app.svc.cluster.local', 'A', cfg);
  assert.deepEqual(e.answers, [{ name: 'ext.doctor-app.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'db.example.com' }]);
  assert.deepEqual(e.chase, { name: 'db.example.com', type: 'A' });
  assert.equal(lookup(ix, 'ext.doctor-app.svc.cluster.local', 'CNAME', cfg).chase, undefined);
  const srv = lookup(ix, 'ext.doctor-app.svc.cluster.local', 'SRV', cfg);
  assert.equal(srv.rcode, RCODE.NOERROR);
  assert.equal(srv.answers.length, 0);
  const al = lookup(ix, 'alias.doctor-app.svc.cluster.local', 'A', cfg);
  assert.deepEqual(al.answers.map((a) => [a.type, a.data]), [['CNAME', 'doctor-backend.doctor-app.svc.cluster.local'], ['A', '10.96.0.20']]);
  assert.equal(al.chase, undefined);
});

test('pod records: verified against pods in that namespace', () => {
  const ix = cluster();
  assert.deepEqual(data(lookup(ix, '10-244-3-7.doctor-app.pod.cluster.local', 'A', cfg)), ['10.244.3.7']);
  assert.equal(lookup(ix, '10-244-3-7.default.pod.cluster.local', 'A', cfg).rcode, RCODE.NXDOMAIN, 'wrong namespace');
  assert.equal(lookup(ix, '10-244-3-8.doctor-app.pod.cluster.local', 'A', cfg).rcode, RCODE.NXDOMAIN, 'finished pod');
  assert.equal(lookup(ix, '1-2-3-4.doctor-app.pod.cluster.local', 'A', cfg).rcode, RCODE.NXDOMAIN);
  const nodata = lookup(ix, '10-244-3-7.doctor-app.pod.cluster.local', 'AAAA', cfg);
  assert.equal(nodata.rcode, RCODE.NOERROR);
  assert.equal(nodata.answers.length, 0);
});

test('PTR: ClusterIP -> Service, endpoint -> hostname name, pod -> pod name; unknown in cluster CIDRs NXDOMAIN, else forward', () => {
  const ix = cluster();
  assert.deepEqual(data(lookup(ix, '20.0.96.10.in-addr.arpa', 'PTR', cfg)), ['doctor-backend.doctor-app.svc.cluster.local']);
  assert.deepEqual(data(lookup(ix, '10.1.244.10.in-addr.arpa', 'PTR', cfg)), ['postgres-0.postgres.doctor-app.svc.cluster.local']);
  assert.deepEqual(data(lookup(ix, '5.1.244.10.in-addr.arpa', 'PTR', cfg)), ['10-244-1-5.doctor-backend.doctor-app.svc.cluster.local']);
  assert.deepEqual(data(lookup(ix, '7.3.244.10.in-addr.arpa', 'PTR', cfg)), ['10-244-3-7.doctor-app.pod.cluster.local']);
  const nx = lookup(ix, '99.0.96.10.in-addr.arpa', 'PTR', cfg);
  assert.equal(nx.rcode, RCODE.NXDOMAIN);
  assert.equal(nx.forward, false);
  assert.equal(nx.authorities[0].name, '10.in-addr.arpa');
  assert.equal(lookup(ix, '96.10.in-addr.arpa', 'PTR', cfg).forward, false);
  assert.equal(lookup(ix, '1.0.0.127.in-addr.arpa', 'PTR', cfg).forward, true);
});

test('zone apex, dns-version, ns.dns, empty non-terminals and names outside the schema', () => {
  const ix = cluster();
  assert.equal(lookup(ix, 'cluster.local', 'SOA', cfg).answers[0].type, 'SOA');
  const ns = lookup(ix, 'cluster.local', 'NS', cfg);
  assert.deepEqual(data(ns), ['ns.dns.cluster.local']);
  assert.deepEqual(ns.additionals.map((a) => a.data), ['10.96.0.10']);
  assert.deepEqual(data(lookup(ix, 'ns.dns.cluster.local', 'A', cfg)), ['10.96.0.10']);
  assert.deepEqual(data(lookup(ix, 'dns-version.cluster.local', 'TXT', cfg)), [['1.1.0']]);
  for (const n of ['svc.cluster.local', 'doctor-app.svc.cluster.local', 'pod.cluster.local', 'x.pod.cluster.local']) {
    const r = lookup(ix, n, 'A', cfg);
    assert.equal(r.rcode, RCODE.NOERROR, n);
    assert.equal(r.answers.length, 0, n);
  }
  for (const n of ['foo.cluster.local', 'a.b.c.doctor-backend.doctor-app.svc.cluster.local', 'doctor-backend.doctor-app.cluster.local']) {
    assert.equal(lookup(ix, n, 'A', cfg).rcode, RCODE.NXDOMAIN, n);
  }
  assert.equal(lookup(ix, 'example.com', 'A', cfg).forward, true);
  assert.equal(lookup(ix, 'doctor-backend.doctor-app.svc.cluster.local', 'MX', cfg).answers.length, 0);
});

test('index: Service updates and deletes, IPv6 and FQDN slices', () => {
  const ix = new ClusterIndex();
  ix.upsertService({ metadata: { namespace: 'd', name: 'v6' }, spec: { clusterIP: 'fd00::a', clusterIPs: ['fd00::a', '10.96.0.9'], ports: [{ port: 80 }] } });
  assert.deepEqual(data(lookup(ix, 'v6.d.svc.cluster.local', 'AAAA', cfg)), ['fd00::a']);
  assert.deepEqual(data(lookup(ix, 'v6.d.svc.cluster.local', 'A', cfg)), ['10.96.0.9']);
  const g = ix.generation;
  ix.deleteService({ metadata: { namespace: 'd', name: 'v6' } });
  assert.ok(ix.generation > g);
  assert.equal(lookup(ix, 'v6.d.svc.cluster.local', 'A', cfg).rcode, RCODE.NXDOMAIN);
  ix.upsertService({ metadata: { namespace: 'd', name: 'h' }, spec: { clusterIP: 'None' } });
  ix.upsertEndpointSlice(slice('d', 'h', 'h-1', [{ addresses: ['x.example.com'] }], [], 'FQDN'));
  assert.equal(lookup(ix, 'h.d.svc.cluster.local', 'A', cfg).rcode, RCODE.NXDOMAIN);
  ix.upsertEndpointSlice(slice('d', 'h', 'h-2', [{ addresses: ['10.244.0.3'] }], []));
  assert.deepEqual(data(lookup(ix, 'h.d.svc.cluster.local', 'A', cfg)), ['10.244.0.3']);
});

test('reverse names', () => {
  assert.equal(ipFromReverseName('4.3.2.1.in-addr.arpa.'), '1.2.3.4');
  assert.equal(ipFromReverseName('3.2.1.in-addr.arpa'), undefined);
  const v6 = reverseName('fd00::a');
  assert.equal(ipFromReverseName(v6), 'fd00::a');
  assert.equal(reverseZoneOf('10.96.0.0/12'), '10.in-addr.arpa');
  assert.equal(reverseZoneOf('10.244.0.0/16'), '244.10.in-addr.arpa');
  assert.equal(reverseZoneOf('fd00::/8'), 'd.f.ip6.arpa');
});
