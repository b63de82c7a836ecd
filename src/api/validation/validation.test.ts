import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDNS1123Subdomain, isDNS1123Label, isDNS1035Label, nameIsDNSSubdomain, isValidPathSegmentName } from './names.js';
import { isQualifiedName, isValidLabelValue } from './labels.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { fieldErrorText } from '../../machinery/field-errors.js';

test('name formats use Kubernetes messages', () => {
  assert.deepEqual(isDNS1123Subdomain('example.com'), []);
  assert.deepEqual(isDNS1123Subdomain('Bad_Name'), ["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]);
  assert.deepEqual(isDNS1123Label('a.b'), ["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"]);
  assert.equal(isDNS1123Label('a'.repeat(64))[0], 'must be no more than 63 characters');
  assert.equal(isDNS1035Label('1abc').length, 1);
  assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
  assert.deepEqual(isValidPathSegmentName('a/b'), ["may not contain '/'"]);
});

test('qualified names and label values', () => {
  assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
  assert.equal(isQualifiedName('-bad')[0].startsWith("name part must consist of alphanumeric characters, '-', '_' or '.'"), true);
  assert.equal(isQualifiedName('a/b/c')[0].startsWith('a qualified name must consist of'), true);
  assert.deepEqual(isValidLabelValue(''), []);
  assert.equal(isValidLabelValue('x'.repeat(64))[0], 'must be no more than 63 characters');
});

test('validateObjectMeta', () => {
  const t = (m: any, namespaced = true) => validateObjectMeta(m, { namespaced }).map(fieldErrorText);
  assert.deepEqual(t({ name: 'ok', namespace: 'default', labels: { a: 'b' } }), []);
  assert.deepEqual(t({ namespace: 'default' }), ['metadata.name: Required value: name or generateName is required']);
  assert.deepEqual(t({ generateName: 'web-', namespace: 'default' }), []);
  assert.deepEqual(t({ name: 'x' }), ['metadata.namespace: Required value']);
  assert.deepEqual(t({ name: 'x', namespace: 'default' }, false), ['metadata.namespace: Forbidden: not allowed on this type']);
  assert.match(t({ name: 'x', namespace: 'd', labels: { 'bad key!': 'v' } })[0], /^metadata.labels: Invalid value: "bad key!": name part must consist/);
  assert.deepEqual(t({ name: 'x', namespace: 'd', annotations: { a: 'x'.repeat(256 * 1024) } }), ['metadata.annotations: Too long: must have at most 262144 bytes']);
  assert.deepEqual(t({ name: 'x', namespace: 'd', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p' }] }), ['metadata.ownerReferences.uid: Invalid value: "": uid must not be empty']);
});

test('validateObjectMetaUpdate: immutable fields', () => {
  const old = { name: 'a', namespace: 'd', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z', generation: 2 };
  assert.deepEqual(validateObjectMetaUpdate({ ...old, labels: { x: 'y' } }, old), []);
  assert.deepEqual(validateObjectMetaUpdate({ ...old, uid: 'u2', generation: 1 }, old).map(fieldErrorText), [
    'metadata.uid: Invalid value: "u2": field is immutable', 'metadata.generation: Invalid value: 1: must not be decremented']);
});
