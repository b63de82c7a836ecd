/**
 * @module apiserver/endpoints/openapi-proto/paths
 * gnostic's `Paths` and everything under it: PathItem, Operation, ParametersItem/Parameter (a body
 * parameter, or a non-body one in its header/formData/query/path sub-schema), Responses/Response,
 * and the `SecurityRequirement` an operation (or the document) lists. kubectl reads the operations'
 * parameters to learn that the server takes `fieldValidation` (server-side field validation).
 */
import { ProtoWriter } from './writer.js';
import { encodeAny, messageOf, namedMap, named, stringArray, isObject, vendorExtensions, type Encoder, type Table } from './message.js';
import { schema, header, externalDocs, PRIMITIVE_FIELDS } from './schema.js';

/** `SecurityRequirement`: repeated NamedStringArray (scheme name -> scopes). */
export const securityRequirement: Encoder = namedMap(stringArray);

const jsonReference: Encoder = messageOf([['$ref', 'string'], ['description', 'string']]);

const bodyParameter: Encoder = messageOf([
  ['description', 'string'], ['name', 'string'], ['in', 'string'], ['required', 'bool'], ['schema', schema], ['', 'ext'],
]);

const HEAD: Table = [['required', 'bool'], ['in', 'string'], ['description', 'string'], ['name', 'string']];
/** header and path sub-schemas: required, in, description, name, then the primitive fields from 5. */
const headerOrPathSubSchema: Encoder = messageOf([...HEAD, ...PRIMITIVE_FIELDS, ['', 'ext']]);
/** query and formData sub-schemas add allowEmptyValue = 5, so the primitive fields start at 6. */
const queryOrFormSubSchema: Encoder = messageOf([...HEAD, ['allowEmptyValue', 'bool'], ...PRIMITIVE_FIELDS, ['', 'ext']]);

/** `NonBodyParameter` oneof, chosen by `in`: header = 1, formData = 2, query = 3, path = 4. */
const NON_BODY: Record<string, [number, Encoder]> = {
  header: [1, headerOrPathSubSchema], formData: [2, queryOrFormSubSchema],
  query: [3, queryOrFormSubSchema], path: [4, headerOrPathSubSchema],
};

/** `Parameter` oneof: body_parameter = 1 when `in: body`, else non_body_parameter = 2. */
export const parameter: Encoder = (p) => {
  if (!isObject(p)) return null;
  if (p.in === 'body') return new ProtoWriter().message(1, bodyParameter(p)).finish();
  const sub = NON_BODY[p.in];
  if (!sub) return null;
  const nonBody = new ProtoWriter().message(sub[0], sub[1](p)).finish();
  return new ProtoWriter().message(2, nonBody).finish();
};

/** `ParametersItem` oneof: parameter = 1, or json_reference = 2 for a `$ref` to a shared parameter. */
export const parametersItem: Encoder = (v) => {
  if (!isObject(v)) return null;
  if (typeof v.$ref === 'string') return new ProtoWriter().message(2, jsonReference(v)).finish();
  const p = parameter(v);
  return p && new ProtoWriter().message(1, p).finish();
};

/** `SchemaItem` oneof: gnostic reads a response schema as a Schema (1) whenever it is one. */
const schemaItem: Encoder = (v) => isObject(v) ? new ProtoWriter().message(1, schema(v)).finish() : null;

export const response: Encoder = messageOf([
  ['description', 'string'], ['schema', schemaItem], ['headers', namedMap(header)], ['examples', namedMap(encodeAny)], ['', 'ext'],
]);

/** `ResponseValue` oneof: response = 1, or json_reference = 2. */
const responseValue: Encoder = (v) => {
  if (!isObject(v)) return null;
  if (typeof v.$ref === 'string') return new ProtoWriter().message(2, jsonReference(v)).finish();
  return new ProtoWriter().message(1, response(v)).finish();
};

/** `Responses`: response_code = 1 (NamedResponseValue, for `200` ... or `default`), vendor_extension = 2. */
const responses: Encoder = (v) => {
  if (!isObject(v)) return null;
  const w = new ProtoWriter();
  for (const [code, r] of Object.entries(v)) if (/^([0-9]{3}|default)$/.test(code)) w.message(1, named(code, responseValue(r)));
  for (const ext of vendorExtensions(v)) w.message(2, ext);
  return w.finish();
};

const operation: Encoder = messageOf([
  ['tags', 'strings'], ['summary', 'string'], ['description', 'string'], ['externalDocs', externalDocs],
  ['operationId', 'string'], ['produces', 'strings'], ['consumes', 'strings'], ['parameters', [parametersItem]],
  ['responses', responses], ['schemes', 'strings'], ['deprecated', 'bool'], ['security', [securityRequirement]], ['', 'ext'],
]);

const pathItem: Encoder = messageOf([
  ['$ref', 'string'], ['get', operation], ['put', operation], ['post', operation], ['delete', operation],
  ['options', operation], ['head', operation], ['patch', operation], ['parameters', [parametersItem]], ['', 'ext'],
]);

/** `Paths`: vendor_extension = 1, then path = 2 (NamedPathItem) for every key starting with `/`. */
export const paths: Encoder = (v) => {
  if (!isObject(v)) return null;
  const w = new ProtoWriter();
  for (const ext of vendorExtensions(v)) w.message(1, ext);
  for (const [p, item] of Object.entries(v)) if (p.startsWith('/')) w.message(2, named(p, pathItem(item)));
  return w.finish();
};
