/**
 * The kubelet API's /debug/skiff/proxy-rules over mutual TLS, reading real rules: a network
 * namespace made for the test holds a KUBE-SERVICES dispatch and its KUBE-SVC/KUBE-SEP chains for
 * one Service (as kube-proxy's iptables mode writes them), and the endpoint returns exactly that
 * Service's rules via proxy/programmed-rules. Needs root and iptables; the namespace is deleted after.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { execFileSync } from 'node:child_process';
import { KubeletServer } from './server.js';
import { createCA, issueCert } from '../../apiserver/pki/certs.js';
import { programmedRules } from '../../proxy/programmed-rules.js';

const NS = `skiff-prt-${process.pid}`;
const canRun = process.getuid?.() === 0 && (() => { try { execFileSync('iptables', ['--version']); return true; } catch { return false; } })();

const RULES = `*nat
:KUBE-SERVICES - [0:0]
:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]
:KUBE-SEP-BBBBBBBBBBBBBBBB - [0:0]
:KUBE-SVC-CCCCCCCCCCCCCCCC - [0:0]
-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "team-a/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-AAAAAAAAAAAAAAAA
-A KUBE-SERVICES -d 10.96.0.30/32 -p tcp -m comment --comment "team-b/db cluster IP" -m tcp --dport 5432 -j KUBE-SVC-CCCCCCCCCCCCCCCC
-A KUBE-SVC-AAAAAAAAAAAAAAAA -m comment --comment "team-a/web:http -> 10.244.1.5:8080" -j KUBE-SEP-BBBBBBBBBBBBBBBB
-A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -m comment --comment "team-a/web:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
COMMIT
`;

describe('kubelet /debug/skiff/proxy-rules', { skip: canRun ? false : 'needs root and iptables' }, () => {
  before(() => {
    execFileSync('ip', ['netns', 'add', NS]);
    execFileSync('ip', ['netns', 'exec', NS, 'iptables-restore'], { input: RULES });
  });
  after(() => { try { execFileSync('ip', ['netns', 'del', NS]); } catch { /* already gone */ } });

  it('programmedRules finds one Service\'s chains and nothing of the others', async () => {
    const r = await programmedRules('team-a', 'web', NS);
    assert.equal(r.mode, 'iptables');
    assert.match(r.rules, /KUBE-SVC-AAAAAAAAAAAAAAAA/);
    assert.match(r.rules, /DNAT --to-destination 10\.244\.1\.5:8080/);
    assert.doesNotMatch(r.rules, /team-b|CCCCCCCC/);
    const none = await programmedRules('team-a', 'missing', NS);
    assert.equal(none.mode, undefined);
    assert.equal(none.rules, '');
  });

  it('is served over mutual TLS, with bad names refused as a Status', async () => {
    const ca = await createCA('proxy-rules-test-ca');
    const serving = await issueCert(ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'server', ipAddresses: ['127.0.0.1'] });
    const client = await issueCert(ca, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' });
    const host: any = { runtime: {}, nodeName: 'n1', getPodByName: () => undefined, containerFor: async () => undefined, sandboxFor: async () => undefined,
      proxyRules: (ns: string, name: string) => programmedRules(ns, name, NS) };
    const srv = new KubeletServer({ host, address: '127.0.0.1', port: 0, certPem: serving.certPem, keyPem: serving.keyPem, clientCAPem: ca.certPem });
    const port = await srv.start();
    const get = (path: string, cert = true) => new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, ca: ca.certPem, ...(cert ? { cert: client.certPem, key: client.keyPem } : {}) }, (res) => {
        let body = ''; res.setEncoding('utf8'); res.on('data', (d) => { body += d; }); res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(body) }));
      });
      req.on('error', reject); req.end();
    });
    try {
      const r = await get('/debug/skiff/proxy-rules?namespace=team-a&name=web');
      assert.equal(r.status, 200);
      assert.equal(r.body.node, 'n1');
      assert.equal(r.body.mode, 'iptables');
      assert.match(r.body.rules, /KUBE-SEP-BBBBBBBBBBBBBBBB/);
      const bad = await get('/debug/skiff/proxy-rules?namespace=team-a&name=web;rm');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.reason, 'BadRequest');
      assert.equal((await get('/debug/skiff/proxy-rules?namespace=team-a&name=web', false)).status, 401);
    } finally { await srv.stop(); }
  });
});
