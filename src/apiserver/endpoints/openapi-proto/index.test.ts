/**
 * Unit tests: the gnostic OpenAPIv2 protobuf encoding, decoded back with a schema-less reader and
 * checked field by field against the message definitions; and /openapi/v2 content negotiation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { encodeOpenAPIV2Protobuf } from './index.js';
import { encodeAny } from './message.js';
import { negotiateOpenAPIV2 } from './negotiate.js';
import { varint } from './writer.js';
import { readFields, first, all, str, namedMap } from './reader.js';

const GVK = [{ group: 'apps', kind: 'Deployment', version: 'v1' }];
const DOC = {
  swagger: '2.0',
  info: { title: 'Kubernetes', version: 'v1.31.0' },
  paths: {
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}': {
      patch: {
        operationId: 'patchAppsV1NamespacedDeployment', consumes: ['application/strategic-merge-patch+json'],
        parameters: [
          { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } },
          { uniqueItems: true, type: 'string', description: 'validate', name: 'fieldValidation', in: 'query' },
          { $ref: '#/parameters/pretty' },
        ],
        responses: { 200: { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } }, 401: { description: 'Unauthorized' } },
        'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': GVK[0],
      },
      parameters: [
        { uniqueItems: true, type: 'string', description: 'name of the Deployment', name: 'name', in: 'path', required: true },
        { type: 'string', name: 'X-Trace', in: 'header' },
      ],
    },
    'x-paths-note': 'ignored by kubectl',
  },
  definitions: {
    'io.k8s.api.apps.v1.Deployment': {
      description: 'Deployment enables declarative updates for Pods and ReplicaSets.',
      type: 'object', required: ['spec'],
      properties: {
        spec: { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec', description: 'desired state' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        closed: { type: 'object', additionalProperties: false },
        containers: {
          type: 'array', items: { type: 'string' },
          'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
        },
        replicas: { type: 'integer', format: 'int32', minimum: 0, maximum: 10, default: 1, enum: [1, 'two'] },
      },
      'x-kubernetes-group-version-kind': GVK,
    },
  },
  securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
  security: [{ BearerToken: [] }],
  'x-not-a-swagger-key': true,
};

/** NamedAny list -> name -> parsed YAML of Any.yaml (field 2). */
function extensions(msg: Buffer, field: number): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, any] of namedMap(msg, field)) out.set(k, parse(str(any, 2) ?? ''));
  return out;
}

describe('encodeOpenAPIV2Protobuf', () => {
  const pb = encodeOpenAPIV2Protobuf(DOC);

  it('writes varints as protobuf does', () => {
    assert.deepEqual([...varint(1)], [1]);
    assert.deepEqual([...varint(300)], [0xac, 0x02]);
    assert.equal(varint(-1).length, 10);
  });

  it('keeps free-form values as YAML text in Any.yaml (field 2), quoting what YAML 1.1 would misread', () => {
    assert.equal(str(encodeAny(GVK), 2), '- group: apps\n  kind: Deployment\n  version: v1\n');
    assert.equal(str(encodeAny('merge'), 2), 'merge\n');
    assert.equal(str(encodeAny('no'), 2), '"no"\n');
    assert.equal(str(encodeAny(true), 2), 'true\n');
    assert.equal(readFields(encodeAny(1)).length, 1, 'google.protobuf.Any (field 1) stays unset');
  });

  it('encodes the Document header: swagger, info, security, vendor extensions', () => {
    assert.equal(str(pb, 1), '2.0');
    const info = first(pb, 2)!;
    assert.equal(str(info, 1), 'Kubernetes');
    assert.equal(str(info, 2), 'v1.31.0');
    // security (12): SecurityRequirement { NamedStringArray { name, StringArray {} } }
    const req = first(pb, 12)!;
    assert.equal(str(first(req, 1)!, 1), 'BearerToken');
    assert.equal(first(first(req, 1)!, 2)!.length, 0);
    // securityDefinitions (13) -> SecurityDefinitionsItem oneof api_key_security (2)
    const apiKey = first(namedMap(first(pb, 13)!, 1).get('BearerToken')!, 2)!;
    assert.deepEqual([str(apiKey, 1), str(apiKey, 2), str(apiKey, 3)], ['apiKey', 'authorization', 'header']);
    assert.deepEqual(extensions(pb, 16), new Map([['x-not-a-swagger-key', true]]));
  });

  it('encodes definitions: properties, $ref, type, required, additionalProperties, items, extensions', () => {
    const defs = namedMap(first(pb, 9)!, 1);
    const dep = defs.get('io.k8s.api.apps.v1.Deployment')!;
    assert.ok(dep, 'definition present');
    assert.match(str(dep, 4)!, /declarative updates/);
    assert.deepEqual(all(first(dep, 22)!, 1).map(String), ['object']);
    assert.deepEqual(all(dep, 19).map(String), ['spec']);
    assert.deepEqual(extensions(dep, 31).get('x-kubernetes-group-version-kind'), GVK);
    const props = namedMap(first(dep, 25)!, 1);
    assert.deepEqual([...props.keys()], ['spec', 'labels', 'closed', 'containers', 'replicas']);
    assert.equal(str(props.get('spec')!, 1), '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
    assert.equal(str(props.get('spec')!, 4), 'desired state');
    // additionalProperties (21): schema (1) or boolean (2), false written because it is a oneof member
    const ap = first(first(props.get('labels')!, 21)!, 1)!;
    assert.deepEqual(all(first(ap, 22)!, 1).map(String), ['string']);
    assert.deepEqual(readFields(first(props.get('closed')!, 21)!), [{ field: 2, wire: 0, num: 0n }]);
    const containers = props.get('containers')!;
    const item = first(first(containers, 23)!, 1)!;
    assert.deepEqual(all(first(item, 22)!, 1).map(String), ['string']);
    assert.deepEqual(Object.fromEntries(extensions(containers, 31)), {
      'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
    });
    const replicas = readFields(props.get('replicas')!);
    assert.equal(str(props.get('replicas')!, 2), 'int32');
    assert.equal(replicas.find((f) => f.field === 7)!.bytes!.readDoubleLE(0), 10);
    assert.equal(replicas.find((f) => f.field === 9), undefined, 'minimum 0 is proto3 default, left out');
    assert.equal(parse(str(first(props.get('replicas')!, 5)!, 2)!), 1);
    assert.deepEqual(all(props.get('replicas')!, 20).map((a) => parse(str(a, 2)!)), [1, 'two']);
  });

  it('encodes paths: operations, body and non-body parameters, refs, responses', () => {
    const pathsMsg = first(pb, 8)!;
    assert.deepEqual([...extensions(pathsMsg, 1).keys()], ['x-paths-note']);
    const item = namedMap(pathsMsg, 2).get('/apis/apps/v1/namespaces/{namespace}/deployments/{name}')!;
    const patch = first(item, 8)!;
    assert.equal(str(patch, 5), 'patchAppsV1NamespacedDeployment');
    const params = all(patch, 8);
    const body = first(first(params[0], 1)!, 1)!; // ParametersItem.parameter -> Parameter.body_parameter
    assert.deepEqual([str(body, 2), str(body, 3)], ['body', 'body']);
    assert.equal(str(first(body, 5)!, 1), '#/definitions/io.k8s.api.apps.v1.Deployment');
    const query = first(first(first(params[1], 1)!, 2)!, 3)!; // non_body_parameter -> query_parameter_sub_schema
    assert.deepEqual([str(query, 4), str(query, 2), str(query, 6)], ['fieldValidation', 'query', 'string']);
    assert.equal(readFields(query).find((f) => f.field === 20)!.num, 1n, 'uniqueItems is field 20 in a query sub-schema');
    assert.equal(str(first(params[2], 2)!, 1), '#/parameters/pretty');
    const responses = namedMap(first(patch, 9)!, 1);
    assert.deepEqual([...responses.keys()], ['200', '401']);
    assert.equal(str(first(responses.get('200')!, 1)!, 1), 'OK');
    assert.deepEqual(extensions(patch, 13).get('x-kubernetes-group-version-kind'), GVK[0]);
    const [pathParam, headerParam] = all(item, 9).map((p) => first(first(p, 1)!, 2)!);
    const path = first(pathParam, 4)!;
    assert.deepEqual([str(path, 4), readFields(path).find((f) => f.field === 1)!.num], ['name', 1n]);
    assert.equal(str(first(headerParam, 1)!, 4), 'X-Trace');
  });
});

describe('negotiateOpenAPIV2', () => {
  it('serves what kube-openapi serves for each Accept', () => {
    assert.deepEqual(negotiateOpenAPIV2('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'),
      { format: 'protobuf', contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' });
    assert.equal(negotiateOpenAPIV2('application/com.github.proto-openapi.spec.v2.v1.0+protobuf')?.format, 'protobuf');
    assert.equal(negotiateOpenAPIV2(undefined)?.format, 'json');
    assert.equal(negotiateOpenAPIV2('*/*')?.format, 'json');
    assert.equal(negotiateOpenAPIV2('application/json, */*')?.format, 'json');
    assert.equal(negotiateOpenAPIV2('application/json;q=0.5, application/com.github.proto-openapi.spec.v2.v1.0+protobuf')?.format, 'protobuf');
    assert.equal(negotiateOpenAPIV2('application/vnd.kubernetes.protobuf'), null);
  });
});
