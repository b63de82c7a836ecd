import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenAPIV2, buildOpenAPIV3, buildOpenAPIV3Index, invalidate } from './openapi.js';
import { define, registerResource } from './registry.js';
import { obj, ref, int32, str, intOrString, quantity, arr, mapOf } from './builders.js';
import { kindDef, listDef } from '../meta/kind.js';

define('io.k8s.api.autoscaling.v1.Scale', kindDef('autoscaling', 'v1', 'Scale', { spec: obj({ replicas: int32() }) }));
define('com.example.test.v1.GadgetSpec', obj({
  replicas: int32('desired count'), port: intOrString(), mem: mapOf(quantity()),
  items: arr(obj({ name: str(), v: str() }), { mergeKey: 'name' }),
}));
define('com.example.test.v1.Gadget', kindDef('test.example.com', 'v1', 'Gadget', { spec: ref('com.example.test.v1.GadgetSpec', 'spec of the gadget') }));
define('com.example.test.v1.GadgetList', listDef('test.example.com', 'v1', 'Gadget', 'com.example.test.v1.Gadget'));
registerResource({ group: 'test.example.com', version: 'v1', kind: 'Gadget', plural: 'gadgets', singular: 'gadget', namespaced: true,
  definition: 'com.example.test.v1.Gadget', subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } } });
invalidate();

test('v2: every verb path, with fieldValidation on writes and the patch media types', () => {
  const doc: any = buildOpenAPIV2();
  assert.equal(doc.swagger, '2.0');
  const base = '/apis/test.example.com/v1';
  const coll = doc.paths[`${base}/namespaces/{namespace}/gadgets`];
  const item = doc.paths[`${base}/namespaces/{namespace}/gadgets/{name}`];
  assert.deepEqual(Object.keys(coll).sort(), ['delete', 'get', 'parameters', 'post']);
  assert.deepEqual(Object.keys(item).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
  for (const op of [coll.post, item.put, item.patch]) {
    assert.ok(op.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'), op.operationId);
    assert.ok(op.parameters.some((p: any) => p.name === 'dryRun'));
  }
  assert.ok(item.patch.parameters.some((p: any) => p.name === 'force'));
  assert.deepEqual(item.patch.consumes, ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);
  assert.equal(item.patch['x-kubernetes-action'], 'patch');
  assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'test.example.com', version: 'v1', kind: 'Gadget' });
  assert.equal(coll.get.operationId, 'listTestExampleComV1NamespacedGadget');
  assert.ok(doc.paths[`${base}/namespaces/{namespace}/gadgets/{name}/status`].patch);
  assert.equal(doc.paths[`${base}/namespaces/{namespace}/gadgets/{name}/scale`].get.responses['200'].schema.$ref, '#/definitions/io.k8s.api.autoscaling.v1.Scale');
  assert.ok(doc.paths[`${base}/watch/namespaces/{namespace}/gadgets/{name}`].get);
  assert.ok(doc.paths[`${base}/gadgets`].get);
  assert.equal(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
  assert.equal(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
  assert.equal(doc.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
  assert.equal(doc.definitions['com.example.test.v1.Gadget'].properties.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  assert.equal(buildOpenAPIV2(), doc, 'memoized');
});

test('v3 index and per-group-version documents', () => {
  const idx = buildOpenAPIV3Index();
  assert.match(idx.paths['apis/test.example.com/v1'].serverRelativeURL, /^\/openapi\/v3\/apis\/test.example.com\/v1\?hash=[0-9A-F]{128}$/);
  assert.ok(idx.paths['apis/test.example.com']);
  const doc: any = buildOpenAPIV3('apis/test.example.com/v1');
  assert.equal(doc.openapi, '3.0.0');
  const schemas = doc.components.schemas;
  assert.deepEqual(schemas['com.example.test.v1.Gadget']['x-kubernetes-group-version-kind'], [{ group: 'test.example.com', version: 'v1', kind: 'Gadget' }]);
  assert.deepEqual(schemas['com.example.test.v1.Gadget'].properties.spec.allOf, [{ $ref: '#/components/schemas/com.example.test.v1.GadgetSpec' }]);
  assert.deepEqual(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].oneOf, [{ type: 'integer' }, { type: 'string' }]);
  assert.ok(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
  assert.ok(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']);
  assert.equal(schemas['com.example.test.v1.GadgetSpec'].properties.items['x-kubernetes-patch-merge-key'], 'name');
  assert.deepEqual(schemas['com.example.test.v1.GadgetSpec'].properties.items['x-kubernetes-list-map-keys'], ['name']);
  assert.equal(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.finalizers['x-kubernetes-list-type'], 'set');
  const patch = doc.paths['/apis/test.example.com/v1/namespaces/{namespace}/gadgets/{name}'].patch;
  assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation'));
  assert.ok(patch.requestBody.content['application/apply-patch+yaml']);
  assert.equal(buildOpenAPIV3('apis/nope/v1'), null);
  // Adding a resource is noticed without an explicit invalidate.
  registerResource({ group: 'test.example.com', version: 'v2', kind: 'Gadget', plural: 'gadgets', singular: 'gadget', namespaced: true, definition: 'com.example.test.v1.Gadget' });
  assert.ok(buildOpenAPIV3Index().paths['apis/test.example.com/v2']);
});
