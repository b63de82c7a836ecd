import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CNI_CONFLIST_FILE, nodeCniConflist, podCIDRGateway, validateLinkName, writeNodeCniConfig } from './cni-config.js';

test('the gateway is the first address of the podCIDR', () => {
  assert.deepEqual(podCIDRGateway('10.244.3.0/24'), { gateway: '10.244.3.1', gatewayCIDR: '10.244.3.1/24', subnet: '10.244.3.0/24' });
  assert.deepEqual(podCIDRGateway('10.42.0.77/16'), { gateway: '10.42.0.1', gatewayCIDR: '10.42.0.1/16', subnet: '10.42.0.0/16' });
  assert.throws(() => podCIDRGateway('10.244.3.0'), /invalid podCIDR/);
  assert.throws(() => podCIDRGateway('fd00::/64'), /invalid/);
});

test('bridge names must fit Linux interface names', () => {
  validateLinkName('skiff0');
  assert.throws(() => validateLinkName('a-name-longer-than-15'), /invalid bridge name/);
  assert.throws(() => validateLinkName('bad/name'), /invalid bridge name/);
});

test('the conflist is a closed network: no gateway mode, no masquerade, no routes; portmap chained', () => {
  const c = nodeCniConflist({ podCIDR: '10.244.3.0/24', ipamDataDir: '/data/cni/ipam' }) as any;
  assert.equal(c.cniVersion, '1.0.0');
  assert.equal(c.name, 'skiff');
  const [bridge, portmap] = c.plugins;
  assert.equal(c.plugins.length, 2);
  assert.deepEqual(
    { type: bridge.type, bridge: bridge.bridge, isGateway: bridge.isGateway, ipMasq: bridge.ipMasq, hairpinMode: bridge.hairpinMode },
    { type: 'bridge', bridge: 'skiff0', isGateway: false, ipMasq: false, hairpinMode: true });
  assert.deepEqual(bridge.ipam, { type: 'host-local', ranges: [[{ subnet: '10.244.3.0/24', gateway: '10.244.3.1' }]], routes: [], dataDir: '/data/cni/ipam' });
  assert.deepEqual(portmap, { type: 'portmap', capabilities: { portMappings: true } });
});

test('writeNodeCniConfig writes one conflist whole (no temp file left for containerd to load)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cni-'));
  try {
    const f = writeNodeCniConfig(join(dir, 'net.d'), { podCIDR: '10.244.9.0/24', bridge: 'skt1', ipamDataDir: join(dir, 'ipam') });
    assert.equal(f, join(dir, 'net.d', CNI_CONFLIST_FILE));
    assert.deepEqual(readdirSync(join(dir, 'net.d')), [CNI_CONFLIST_FILE]);
    assert.equal(JSON.parse(readFileSync(f, 'utf8')).plugins[0].bridge, 'skt1');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('routes given for a multi-node cluster go via the pod gateway; a default route is refused', () => {
  const c = nodeCniConflist({ podCIDR: '10.244.3.0/24', ipamDataDir: '/d', routes: ['10.244.0.0/16', '10.96.0.0/12', '172.30.0.0/24'] }) as any;
  assert.deepEqual(c.plugins[0].ipam.routes, [
    { dst: '10.244.0.0/16', gw: '10.244.3.1' }, { dst: '10.96.0.0/12', gw: '10.244.3.1' }, { dst: '172.30.0.0/24', gw: '10.244.3.1' }]);
  assert.equal(c.plugins[0].isGateway, false);
  assert.throws(() => nodeCniConflist({ podCIDR: '10.244.3.0/24', ipamDataDir: '/d', routes: ['0.0.0.0/0'] }), /never a default route/);
  assert.throws(() => nodeCniConflist({ podCIDR: '10.244.3.0/24', ipamDataDir: '/d', routes: ['10.1.2.3'] }), /invalid pod route/);
});
