/**
 * @module api/validation/labels
 * Label keys and values, annotation keys and size, finalizer names: the qualified-name rules of
 * k8s.io/apimachinery/pkg/util/validation with its exact messages.
 */
import type { FieldError } from '../../machinery/field-errors.js';
import { isDNS1123Subdomain, regexError, maxLenError } from './names.js';

const QUALIFIED_NAME_MAX = 63;
const QNAME_CHAR_FMT = '[A-Za-z0-9]';
const QNAME_EXT_CHAR_FMT = '[-A-Za-z0-9_.]';
const QUALIFIED_NAME_FMT = `(${QNAME_CHAR_FMT}${QNAME_EXT_CHAR_FMT}*)?${QNAME_CHAR_FMT}`;
const qualifiedNameRE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_ERR = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MAX = 63;
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const labelValueRE = new RegExp(`^${LABEL_VALUE_FMT}$`);
/** TotalAnnotationSizeLimitB: 256 KiB of keys and values together. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** IsQualifiedName: `[prefix/]name`, the prefix a DNS-1123 subdomain. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push(`prefix part ${'must be non-empty'}`);
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [`a qualified name ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push(`name part must be non-empty`);
  else if (name.length > QUALIFIED_NAME_MAX) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX)}`);
  if (!qualifiedNameRE.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** IsValidLabelValue. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > LABEL_VALUE_MAX) errs.push(maxLenError(LABEL_VALUE_MAX));
  if (!labelValueRE.test(value)) {
    errs.push(regexError(`a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

/** ValidateLabels: errors are reported on the map's path with the offending key or value. */
export function validateLabels(labels: Record<string, unknown> | undefined, field: string): FieldError[] {
  const out: FieldError[] = [];
  if (!labels) return out;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) out.push({ type: 'FieldValueInvalid', field, value: k, detail: m });
    if (typeof v === 'string') for (const m of isValidLabelValue(v)) out.push({ type: 'FieldValueInvalid', field, value: v, detail: m });
  }
  return out;
}

/** ValidateAnnotations: keys are qualified names (checked lower-cased), total size at most 256 KiB. */
export function validateAnnotations(annotations: Record<string, unknown> | undefined, field: string): FieldError[] {
  const out: FieldError[] = [];
  if (!annotations) return out;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) out.push({ type: 'FieldValueInvalid', field, value: k, detail: m });
    size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    out.push({ type: 'FieldValueTooLong', field, value: '', detail: `must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
  }
  return out;
}

/** ValidateFinalizers: each a qualified name; orphan and foregroundDeletion are exclusive. */
export function validateFinalizers(finalizers: unknown[] | undefined, field: string): FieldError[] {
  const out: FieldError[] = [];
  if (!finalizers) return out;
  for (const f of finalizers) {
    if (typeof f !== 'string') continue;
    for (const m of isQualifiedName(f)) out.push({ type: 'FieldValueInvalid', field, value: f, detail: m });
  }
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    out.push({ type: 'FieldValueInvalid', field, value: finalizers, detail: 'finalizer orphan and foregroundDeletion cannot be both set' });
  }
  return out;
}
