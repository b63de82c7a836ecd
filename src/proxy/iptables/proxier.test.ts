import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IptablesProxier, FULL_SYNC_BATCH } from './proxier.js';
import type { CommandRunner } from '../exec.js';
import type { EndpointInfo, ProxyState, ServicePortInfo } from '../types.js';

function fakeRunner(save = '') {
  const calls: { cmd: string; args: string[]; input?: string }[] = [];
  const runner: CommandRunner = { netns: '', async run(cmd, args, o = {}) { calls.push({ cmd, args, input: o.input }); return cmd === 'iptables-save' ? save : ''; } };
  return { runner, calls };
}
function state(n: number, epIP = (i: number) => `10.128.${i >> 8}.${i & 255}`): ProxyState {
  const services = new Map<string, ServicePortInfo>();
  const endpoints = new Map<string, EndpointInfo[]>();
  for (let i = 0; i < n; i++) {
    const id = `b/s${i}:`;
    services.set(id, { id, namespace: 'b', name: `s${i}`, portName: '', protocol: i === 0 ? 'UDP' : 'TCP', clusterIP: `10.96.${i >> 8}.${i & 255}`, port: 80, nodePort: 0, externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], sessionAffinitySeconds: 0, internalLocal: false, externalLocal: false, healthCheckNodePort: 0 });
    endpoints.set(id, [{ ip: epIP(i), port: 8080, ready: true, serving: true, terminating: false, isLocal: false }]);
  }
  return { nodeName: 'n', nodeIPs: [], clusterCIDR: '10.128.0.0/9', services, endpoints };
}

test('a large full sync writes Service chains in batches, then the dispatch chains last', async () => {
  const { runner, calls } = fakeRunner();
  const p = new IptablesProxier({ runner });
  const r = await p.sync(state(FULL_SYNC_BATCH * 2 + 500));
  const restores = calls.filter((c) => c.cmd === 'iptables-restore');
  assert.equal(restores.length, 4);
  assert.match(restores[0].input!, /^\*nat\n:KUBE-MARK-MASQ - \[0:0\]\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\nCOMMIT/);
  restores.shift();
  for (const b of restores.slice(0, 2)) {
    assert.ok(!b.input!.includes('KUBE-SERVICES') && !b.input!.includes('*filter'), 'no dispatch before every chain exists');
    assert.equal(b.input!.match(/^:KUBE-SVC-/gm)!.length, FULL_SYNC_BATCH);
  }
  assert.equal(restores[2].input!.match(/^:KUBE-SVC-/gm)!.length, 500);
  assert.equal(restores[2].input!.match(/^-A KUBE-SERVICES .* cluster IP/gm)!.length, FULL_SYNC_BATCH * 2 + 500);
  assert.ok(r.full);
  assert.equal(r.changed, FULL_SYNC_BATCH * 2 + 500);
});

test('partial sync: one restore, canary checked, and a removed UDP endpoint gets its conntrack flows deleted', async () => {
  const { runner, calls } = fakeRunner();
  const p = new IptablesProxier({ runner });
  await p.sync(state(3));
  calls.length = 0;
  const r = await p.sync(state(3, (i) => (i === 0 ? '10.128.9.9' : `10.128.0.${i}`)), new Set(['b/s0:']));
  assert.equal(r.full, false);
  assert.deepEqual(calls.map((c) => c.cmd), ['iptables', 'iptables', 'iptables-restore', 'conntrack']);
  assert.deepEqual(calls[3].args, ['-D', '-p', 'udp', '--orig-dst', '10.96.0.0', '--dst-nat', '10.128.0.0']);
});

test('a failed restore makes the next sync a full one', async () => {
  const { runner } = fakeRunner();
  let fail = true;
  const p = new IptablesProxier({ runner: { netns: '', run: async (cmd, args, o) => { if (cmd === 'iptables-restore' && fail) { fail = false; throw new Error('iptables-restore: line 2 failed'); } return runner.run(cmd, args, o); } } });
  await assert.rejects(p.sync(state(2)), /line 2 failed/);
  assert.equal((await p.sync(state(2), new Set(['b/s1:']))).full, true);
});
