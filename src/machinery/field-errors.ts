/**
 * @module machinery/field-errors
 * Field errors (k8s.io/apimachinery/pkg/util/validation/field) and the Invalid Status they make:
 * `Pod "x" is invalid: spec.containers[0].name: Required value`.
 */
import { StatusError, qualifiedResource } from './status.js';

export type FieldErrorType =
  | 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate'
  | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueTypeInvalid' | 'InternalError';

export interface FieldError { type: FieldErrorType; field: string; value?: unknown; detail?: string; supported?: string[] }

const typeText: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value', FieldValueInvalid: 'Invalid value', FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value', FieldValueForbidden: 'Forbidden', FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many', FieldValueTypeInvalid: 'Invalid value', InternalError: 'Internal error',
};

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The text Kubernetes prints for one field error. */
export function fieldErrorText(e: FieldError): string {
  let body: string;
  switch (e.type) {
    case 'FieldValueRequired': case 'FieldValueForbidden': case 'FieldValueTooLong': case 'FieldValueTooMany': case 'InternalError':
      body = typeText[e.type] + (e.detail ? `: ${e.detail}` : '');
      break;
    case 'FieldValueNotSupported':
      body = `${typeText[e.type]}: ${show(e.value)}` + (e.supported ? `: supported values: ${e.supported.map((s) => JSON.stringify(s)).join(', ')}` : '');
      break;
    default:
      body = `${typeText[e.type]}: ${show(e.value)}` + (e.detail ? `: ${e.detail}` : '');
  }
  return `${e.field}: ${body}`;
}

export const required = (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, detail });
export const invalid = (field: string, value: unknown, detail = ''): FieldError => ({ type: 'FieldValueInvalid', field, value, detail });
export const notSupported = (field: string, value: unknown, supported: string[]): FieldError => ({ type: 'FieldValueNotSupported', field, value, supported });
export const duplicate = (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, value });
export const forbiddenField = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
export const typeInvalid = (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueTypeInvalid', field, value, detail });
export const tooLong = (field: string, value: unknown, max: number): FieldError => ({ type: 'FieldValueTooLong', field, value, detail: `must have at most ${max} bytes` });

/** 422 Invalid, shaped exactly as NewInvalid does it. */
export function invalidError(group: string, kind: string, name: string, errs: FieldError[]): StatusError {
  const texts = errs.map(fieldErrorText);
  const agg = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  // The message names the qualified kind (GroupKind.String()): `Deployment.apps "x" is invalid`.
  const qualified = group ? `${kind}.${group}` : kind;
  return new StatusError(422, 'Invalid', `${qualified} ${JSON.stringify(name)} is invalid: ${agg}`, {
    name, group: group || undefined, kind,
    causes: errs.map((e) => ({ reason: e.type, message: fieldErrorText(e).slice(e.field.length + 2), field: e.field })),
  });
}

export { qualifiedResource };
