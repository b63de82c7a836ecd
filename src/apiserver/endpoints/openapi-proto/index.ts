/**
 * @module apiserver/endpoints/openapi-proto
 * The Swagger 2.0 document as the gnostic `openapi.v2.Document` protobuf message: what
 * `/openapi/v2` answers to `Accept: application/com.github.proto-openapi.spec.v2[@.]v1.0+protobuf`,
 * and what kubectl 1.27 parses for apply, explain and its fieldValidation check. Kubernetes
 * (kube-openapi) makes it by parsing its JSON document with gnostic and marshalling the result;
 * this walks the JSON the same way: fields in number order, `x-` keys as NamedAny with YAML text,
 * JSON objects used as maps as Named<T> lists in document order, keys gnostic does not know dropped.
 */
import { ProtoWriter } from './writer.js';
import { encodeMessage, messageOf, namedMap, namedStringMap, isObject, type Encoder, type Table } from './message.js';
import { namedSchemas, externalDocs } from './schema.js';
import { paths, parameter, response, securityRequirement } from './paths.js';

const contact: Encoder = messageOf([['name', 'string'], ['url', 'string'], ['email', 'string'], ['', 'ext']]);
const license: Encoder = messageOf([['name', 'string'], ['url', 'string'], ['', 'ext']]);
const info: Encoder = messageOf([
  ['title', 'string'], ['version', 'string'], ['description', 'string'], ['termsOfService', 'string'],
  ['contact', contact], ['license', license], ['', 'ext'],
]);
const tag: Encoder = messageOf([['name', 'string'], ['description', 'string'], ['externalDocs', externalDocs], ['', 'ext']]);

const scopes = ['scopes', namedStringMap] as const;
/** The six `SecurityDefinitionsItem` alternatives: oneof field number and the message's own fields. */
const SECURITY_SCHEMES: Array<[match: (s: Record<string, any>) => boolean, field: number, table: Table]> = [
  [(s) => s.type === 'basic', 1, [['type', 'string'], ['description', 'string'], ['', 'ext']]],
  [(s) => s.type === 'apiKey', 2, [['type', 'string'], ['name', 'string'], ['in', 'string'], ['description', 'string'], ['', 'ext']]],
  [(s) => s.type === 'oauth2' && s.flow === 'implicit', 3,
    [['type', 'string'], ['flow', 'string'], scopes, ['authorizationUrl', 'string'], ['description', 'string'], ['', 'ext']]],
  [(s) => s.type === 'oauth2' && s.flow === 'password', 4,
    [['type', 'string'], ['flow', 'string'], scopes, ['tokenUrl', 'string'], ['description', 'string'], ['', 'ext']]],
  [(s) => s.type === 'oauth2' && s.flow === 'application', 5,
    [['type', 'string'], ['flow', 'string'], scopes, ['tokenUrl', 'string'], ['description', 'string'], ['', 'ext']]],
  [(s) => s.type === 'oauth2' && s.flow === 'accessCode', 6,
    [['type', 'string'], ['flow', 'string'], scopes, ['authorizationUrl', 'string'], ['tokenUrl', 'string'], ['description', 'string'], ['', 'ext']]],
];

const securityDefinitionsItem: Encoder = (v) => {
  if (!isObject(v)) return null;
  const scheme = SECURITY_SCHEMES.find(([match]) => match(v));
  if (!scheme) return null;
  return new ProtoWriter().message(scheme[1], encodeMessage(scheme[2], v)).finish();
};

const DOCUMENT: Table = [
  ['swagger', 'string'], ['info', info], ['host', 'string'], ['basePath', 'string'], ['schemes', 'strings'],
  ['consumes', 'strings'], ['produces', 'strings'], ['paths', paths], ['definitions', namedSchemas],
  ['parameters', namedMap(parameter)], ['responses', namedMap(response)], ['security', [securityRequirement]],
  ['securityDefinitions', namedMap(securityDefinitionsItem)], ['tags', [tag]], ['externalDocs', externalDocs], ['', 'ext'],
];

/** Encode a Swagger 2.0 document (parsed JSON) as a serialized gnostic `openapi.v2.Document`. */
export function encodeOpenAPIV2Protobuf(doc: any): Buffer {
  if (!isObject(doc)) throw new TypeError('an OpenAPI v2 document must be a JSON object');
  return encodeMessage(DOCUMENT, doc)!;
}

/** The media types Kubernetes serves the protobuf document under (the `@` one is deprecated). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
export const OPENAPI_V2_PROTOBUF_DEPRECATED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
