/**
 * @module apiserver/endpoints/openapi-proto/schema
 * gnostic's `Schema` and the messages it is built from (TypeItem, ItemsItem, AdditionalPropertiesItem,
 * Properties, Xml, ExternalDocs), plus `PrimitivesItems`, the schema-lite of non-body parameters and
 * response headers. kubectl's apply and explain read definitions through these.
 */
import { ProtoWriter } from './writer.js';
import { encodeMessage, messageOf, namedMap, stringArray, isObject, type Encoder, type Table } from './message.js';

export const externalDocs: Encoder = messageOf([['description', 'string'], ['url', 'string'], ['', 'ext']]);

const xml: Encoder = messageOf([
  ['name', 'string'], ['namespace', 'string'], ['prefix', 'string'], ['attribute', 'bool'], ['wrapped', 'bool'], ['', 'ext'],
]);

/** `ItemsItem`: `repeated Schema schema = 1`, from one schema object or a list of them (tuple form). */
const itemsItem: Encoder = (v) => {
  const list = Array.isArray(v) ? v : isObject(v) ? [v] : null;
  if (!list) return null;
  const w = new ProtoWriter();
  for (const s of list) w.message(1, schema(s));
  return w.finish();
};

/** `AdditionalPropertiesItem`: oneof schema = 1 | boolean = 2 (a oneof member is written even when false). */
const additionalPropertiesItem: Encoder = (v) => {
  if (typeof v === 'boolean') return new ProtoWriter().bool(2, v, true).finish();
  if (isObject(v)) return new ProtoWriter().message(1, schema(v)).finish();
  return null;
};

/** `Properties` / `Definitions`: repeated NamedSchema. */
export const namedSchemas: Encoder = namedMap((v) => schema(v));

const SCHEMA: Table = [
  ['$ref', 'string'], ['format', 'string'], ['title', 'string'], ['description', 'string'], ['default', 'any'],
  ['multipleOf', 'double'], ['maximum', 'double'], ['exclusiveMaximum', 'bool'], ['minimum', 'double'], ['exclusiveMinimum', 'bool'],
  ['maxLength', 'int64'], ['minLength', 'int64'], ['pattern', 'string'], ['maxItems', 'int64'], ['minItems', 'int64'],
  ['uniqueItems', 'bool'], ['maxProperties', 'int64'], ['minProperties', 'int64'], ['required', 'strings'], ['enum', 'anys'],
  ['additionalProperties', additionalPropertiesItem], ['type', stringArray], ['items', itemsItem], ['allOf', [(v) => schema(v)]],
  ['properties', namedSchemas], ['discriminator', 'string'], ['readOnly', 'bool'], ['xml', xml], ['externalDocs', externalDocs],
  ['example', 'any'], ['', 'ext'],
];

/** `Schema` (fields 1..31); `$ref` is field 1 (`_ref`), `type` a TypeItem so it may be a list. */
export function schema(v: unknown): Buffer | null { return encodeMessage(SCHEMA, v); }

/**
 * The validation keywords shared, in this order, by PrimitivesItems, Header and the header, path,
 * query and formData parameter sub-schemas; each message numbers them from a different start.
 */
export const PRIMITIVE_FIELDS: Table = [
  ['type', 'string'], ['format', 'string'], ['items', (v) => primitivesItems(v)], ['collectionFormat', 'string'], ['default', 'any'],
  ['maximum', 'double'], ['exclusiveMaximum', 'bool'], ['minimum', 'double'], ['exclusiveMinimum', 'bool'],
  ['maxLength', 'int64'], ['minLength', 'int64'], ['pattern', 'string'], ['maxItems', 'int64'], ['minItems', 'int64'],
  ['uniqueItems', 'bool'], ['enum', 'anys'], ['multipleOf', 'double'],
];

const PRIMITIVES_ITEMS: Table = [...PRIMITIVE_FIELDS, ['', 'ext']];

/** `PrimitivesItems` (the `items` of a non-body parameter or header). */
export function primitivesItems(v: unknown): Buffer | null { return encodeMessage(PRIMITIVES_ITEMS, v); }

/** `Header` (a response header): the primitive fields, then description = 18, vendor_extension = 19. */
export const header: Encoder = messageOf([...PRIMITIVE_FIELDS, ['description', 'string'], ['', 'ext']]);
