/** @module apiserver/advertise-address.test — the default and the checks of --advertise-address. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isUnspecified, resolveAdvertiseAddress } from './advertise-address.js';

it('defaults to the bind address, or 127.0.0.1 when bound to every address', () => {
  assert.equal(resolveAdvertiseAddress('127.0.0.1'), '127.0.0.1');
  assert.equal(resolveAdvertiseAddress('10.20.0.1'), '10.20.0.1');
  assert.equal(resolveAdvertiseAddress('0.0.0.0'), '127.0.0.1');
  assert.equal(resolveAdvertiseAddress('::'), '127.0.0.1');
  assert.equal(resolveAdvertiseAddress('localhost'), '127.0.0.1');
  assert.equal(resolveAdvertiseAddress('0.0.0.0', '10.20.0.1'), '10.20.0.1');
  assert.equal(resolveAdvertiseAddress('::', 'fd00::1'), 'fd00::1');
});

it('refuses an advertise address that is not an IP or is unspecified', () => {
  for (const bad of ['kubernetes', '0.0.0.0', '::', '10.0.0.1/24']) {
    assert.throws(() => resolveAdvertiseAddress('127.0.0.1', bad), /invalid argument ".*" for "--advertise-address" flag/);
  }
  assert.ok(isUnspecified('0:0:0:0:0:0:0:0'));
  assert.ok(!isUnspecified('::1'));
});
