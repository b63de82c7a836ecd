import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { StatusError } from '../../machinery/status.js';
import { ObjectCodec } from '../../apiserver/registry/codec.js';
import {
  parseEncryptionConfiguration, encryptionTransformer, EncryptionTransformers, EncryptionConfigError,
} from './encryption-config.js';
import { firstSegmentResource, resourceResolver } from './storage-key.js';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const KEY = '/registry/secrets/default/s1';
const PLAIN = JSON.stringify({ kind: 'Secret', data: { password: 'c3VwZXJzZWNyZXQtcGFzc3dvcmQ=' }, note: 'supersecret-password' });

function config(providers: string, resources = '["secrets"]'): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: ${resources}
    providers: ${providers}
`;
}
const cbc = (name: string, secret: string) => `{aescbc: {keys: [{name: ${name}, secret: "${secret}"}]}}`;
const gcm = (name: string, secret: string) => `{aesgcm: {keys: [{name: ${name}, secret: "${secret}"}]}}`;
const tr = (providers: string, resources?: string) => encryptionTransformer(parseEncryptionConfiguration(config(providers, resources)));

function transformErr(re: RegExp) {
  return (e: unknown) => e instanceof StatusError && e.code === 500 && re.test(e.message);
}

for (const [name, prov] of [['aescbc', cbc('key1', k1)], ['aesgcm', gcm('key1', k1)]] as const) {
  test(`${name}: round trip, stored form has the prefix and no plaintext`, () => {
    const t = tr(`[${prov}]`);
    const stored = t.toStorage(PLAIN, KEY);
    assert.ok(stored.startsWith(`k8s:enc:${name}:v1:key1:`));
    assert.ok(!stored.includes('supersecret'));
    assert.ok(!stored.includes('c3VwZXJzZWNyZXQtcGFzc3dvcmQ'));
    assert.match(stored.slice(`k8s:enc:${name}:v1:key1:`.length), /^[A-Za-z0-9+/]+=*$/);
    assert.notEqual(stored, t.toStorage(PLAIN, KEY), 'random IV/nonce per write');
    assert.equal(t.fromStorage(stored, KEY), PLAIN);
    assert.equal(t.fromStorage(t.toStorage('', KEY), KEY), '');
    const unicode = '{"a":"héllo ✓ 日本"}';
    assert.equal(t.fromStorage(t.toStorage(unicode, KEY), KEY), unicode);
  });

  test(`${name}: rotation, [key2, key1] reads values of key1 and writes with key2`, () => {
    const old = tr(`[${prov}]`).toStorage(PLAIN, KEY);
    const both = name === 'aescbc'
      ? `[{aescbc: {keys: [{name: key2, secret: "${k2}"}, {name: key1, secret: "${k1}"}]}}]`
      : `[{aesgcm: {keys: [{name: key2, secret: "${k2}"}, {name: key1, secret: "${k1}"}]}}]`;
    const t = tr(both);
    assert.equal(t.fromStorage(old, KEY), PLAIN);
    const fresh = t.toStorage(PLAIN, KEY);
    assert.ok(fresh.startsWith(`k8s:enc:${name}:v1:key2:`));
    assert.equal(t.fromStorage(fresh, KEY), PLAIN);
    // Once key1 is removed, its values no longer read, with an error that names the key.
    const onlyNew = tr(name === 'aescbc' ? `[${cbc('key2', k2)}]` : `[${gcm('key2', k2)}]`);
    assert.throws(() => onlyNew.fromStorage(old, KEY), transformErr(new RegExp(`unable to transform key "${KEY}": no matching prefix found: .*${name}.*"key1"`)));
  });

  test(`${name}: same key name with other key material fails, never returns garbage`, () => {
    const stored = tr(`[${prov}]`).toStorage(PLAIN, KEY);
    const other = tr(name === 'aescbc' ? `[${cbc('key1', k2)}]` : `[${gcm('key1', k2)}]`);
    let out: string | undefined;
    try { out = other.fromStorage(stored, KEY); } catch (e) {
      assert.ok(e instanceof StatusError && e.code === 500, String(e));
      assert.match(e.message, /key "key1"/);
    }
    // CBC has no authentication (as in Kubernetes): a wrong key almost always fails the padding
    // check, but about 1 in 256 values decrypts to noise; only GCM guarantees the failure.
    if (name === 'aesgcm') assert.equal(out, undefined);
    else assert.notEqual(out, PLAIN);
  });
}

test('aesgcm: tampering and copying a value under another key are detected', () => {
  const t = tr(`[${gcm('key1', k1)}]`);
  const stored = t.toStorage(PLAIN, KEY);
  const prefix = 'k8s:enc:aesgcm:v1:key1:';
  const bytes = Buffer.from(stored.slice(prefix.length), 'base64');
  bytes[20] ^= 1;
  assert.throws(() => t.fromStorage(prefix + bytes.toString('base64'), KEY), transformErr(/message authentication failed/));
  assert.throws(() => t.fromStorage(stored, '/registry/secrets/default/s2'), transformErr(/message authentication failed/));
  assert.throws(() => t.fromStorage(prefix + 'AAAA', KEY), transformErr(/shorter than the required size/));
  assert.throws(() => t.fromStorage(prefix + '!!not base64', KEY), transformErr(/base64/));
});

test('identity first writes plaintext but still reads encrypted values; identity alone refuses them', () => {
  const enc = tr(`[${cbc('key1', k1)}]`).toStorage(PLAIN, KEY);
  const t = tr(`[{identity: {}}, ${cbc('key1', k1)}]`);
  assert.equal(t.toStorage(PLAIN, KEY), PLAIN);
  assert.equal(t.fromStorage(PLAIN, KEY), PLAIN);
  assert.equal(t.fromStorage(enc, KEY), PLAIN);
  const id = tr('[{identity: {}}]');
  assert.throws(() => id.fromStorage(enc, KEY), transformErr(/aescbc with key "key1", which is not configured/));
});

test('encryption without identity refuses plaintext values; with identity last it reads them', () => {
  assert.throws(() => tr(`[${gcm('key1', k1)}]`).fromStorage(PLAIN, KEY), transformErr(/identity provider is not configured/));
  assert.equal(tr(`[${gcm('key1', k1)}, {identity: {}}]`).fromStorage(PLAIN, KEY), PLAIN);
});

test('resources: exact, *.group, *.*; first entry wins; uncovered resources are plaintext', () => {
  const c = parseEncryptionConfiguration(JSON.stringify({
    apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration',
    resources: [
      { resources: ['secrets', 'configmaps'], providers: [{ aesgcm: { keys: [{ name: 'a', secret: k1 }] } }] },
      { resources: ['*.apps'], providers: [{ aescbc: { keys: [{ name: 'b', secret: k2 }] } }] },
      { resources: ['secrets', 'widgets.example.com'], providers: [{ identity: {} }] },
    ],
  }));
  const all = new EncryptionTransformers(c);
  assert.match(all.transformerFor('secrets').toStorage('x', 'k'), /^k8s:enc:aesgcm:v1:a:/);
  assert.match(all.transformerFor('configmaps').toStorage('x', 'k'), /^k8s:enc:aesgcm:v1:a:/);
  assert.match(all.transformerFor('deployments.apps').toStorage('x', 'k'), /^k8s:enc:aescbc:v1:b:/);
  assert.equal(all.transformerFor('widgets.example.com').toStorage('x', 'k'), 'x');
  assert.equal(all.transformerFor('pods').toStorage('x', 'k'), 'x');
  assert.equal(all.covers('pods'), false);

  const star = new EncryptionTransformers(parseEncryptionConfiguration(config(`[${cbc('k', k1)}]`, '["*.*"]')));
  assert.match(star.transformerFor('pods').toStorage('x', 'k'), /^k8s:enc:aescbc/);
  assert.match(star.transformerFor('crontabs.stable.example.com').toStorage('x', 'k'), /^k8s:enc:aescbc/);
  const core = new EncryptionTransformers(parseEncryptionConfiguration(config(`[${cbc('k', k1)}]`, '["*."]')));
  assert.match(core.transformerFor('pods').toStorage('x', 'k'), /^k8s:enc:aescbc/);
  assert.equal(core.transformerFor('deployments.apps').toStorage('x', 'k'), 'x');
});

test('storage keys map to group resources; the dispatcher uses the mapping', () => {
  assert.equal(firstSegmentResource('/registry/secrets/default/a'), 'secrets');
  assert.equal(firstSegmentResource('/registry/apiextensions.k8s.io/customresourcedefinitions/a.b.c'), 'customresourcedefinitions.apiextensions.k8s.io');
  const resolve = resourceResolver(() => [
    { group: '', plural: 'secrets' }, { group: 'apps', plural: 'deployments' },
    { group: '', plural: 'nodes', storagePrefix: 'minions' }, { group: '', plural: 'services', storagePrefix: 'services/specs' },
    { group: 'events.k8s.io', plural: 'events' }, { group: '', plural: 'events' },
  ]);
  assert.equal(resolve('/registry/deployments/default/web'), 'deployments.apps');
  assert.equal(resolve('/registry/minions/n1'), 'nodes');
  assert.equal(resolve('/registry/services/specs/default/kubernetes'), 'services');
  assert.equal(resolve('/registry/events/default/e1'), 'events');
  assert.equal(resolve('/registry/stable.example.com/crontabs/default/c'), 'crontabs.stable.example.com');

  const t = encryptionTransformer(parseEncryptionConfiguration(config(`[${cbc('k', k1)}]`, '["*.apps"]')), resolve);
  assert.match(t.toStorage('x', '/registry/deployments/default/web'), /^k8s:enc:aescbc/);
  assert.equal(t.toStorage('x', '/registry/secrets/default/s'), 'x');
});

test('plugs into ObjectCodec', () => {
  const codec = new ObjectCodec(tr(`[${gcm('key1', k1)}]`));
  const obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', namespace: 'default', resourceVersion: '5' }, stringData: { p: 'hunter2' } };
  const value = codec.encode(obj, KEY);
  assert.ok(!value.includes('hunter2'));
  assert.deepEqual(codec.decode({ key: KEY, value, createRevision: 7, modRevision: 9 }).stringData, { p: 'hunter2' });
});

function configErr(text: string, re: RegExp): void {
  assert.throws(() => parseEncryptionConfiguration(text), (e: unknown) => e instanceof EncryptionConfigError && re.test(e.message) || assert.fail(String(e)));
}

test('validation: messages and field paths as Kubernetes', () => {
  configErr(config(`[{aescbc: {keys: [{name: k, secret: "${randomBytes(8).toString('base64')}"}]}}]`),
    /resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of \[16 24 32\]/);
  configErr(config(`[{aesgcm: {keys: [{secret: "${k1}"}]}}]`), /resources\[0\]\.providers\[0\]\.aesgcm\.keys\[0\]\.name: Required value: name is a mandatory field for a key/);
  configErr(config('[{aesgcm: {keys: [{name: a, secret: "not base64!"}]}}]'), /keys\[0\]\.secret: Invalid value: "REDACTED": secrets must be base64 encoded/);
  configErr(config('[{aescbc: {keys: []}}]'), /resources\[0\]\.providers\[0\]\.aescbc\.keys: Required value: at least one keys is required/);
  configErr(config('[]'), /resources\[0\]\.providers: Required value: at least one resources\[0\]\.providers is required/);
  configErr(config(`[{identity: {}, ${cbc('a', k1).slice(1, -1)}}]`), /more than one provider specified in a single element/);
  configErr(config('[{aescbcc: {}}]'), /provider does not contain any of the expected providers/);
  configErr(config('[{identity: {}}]', '["*"]'), /use '\*\.' to encrypt all the resources from core API group/);
  configErr(config('[{identity: {}}]', '["Secrets"]'), /resource name should not contain capital letters/);
  configErr(config('[{identity: {}}]', '["secrets", "*."]'), /overlapping resources/);
  configErr(config('[{identity: {}}]', '["secrets", "secrets"]'), /the same resource cannot be specified multiple times/);
  configErr(config('[{identity: {}}]', '["events.events.k8s.io"]'), /Use 'events' instead/);
  configErr(config('[{identity: {}}]', '["deployments.*"]'), /across groups is not supported/);
  configErr(config('[{secretbox: {keys: [{name: a, secret: "' + k1 + '"}]}}]'), /secretbox provider is not supported by skiff/);
  configErr('apiVersion: v1\nkind: ConfigMap\n', /want apiserver\.config\.k8s\.io\/v1, Kind=EncryptionConfiguration/);
  configErr('apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: []\n', /resources: Required value/);
  configErr('{bad yaml: [', /error while parsing file/);
  // Several errors are reported together.
  configErr(config('[{aescbc: {keys: [{name: "", secret: ""}]}}]'), /^error while parsing file .*: \[.*name: Required value.*, .*secret: Required value/);
});
