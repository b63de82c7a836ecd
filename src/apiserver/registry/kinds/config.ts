/**
 * @module apiserver/registry/kinds/config
 * ConfigMaps and Secrets: `immutable: true` freezes data and binaryData (and the flag itself).
 */
import type { Strategy } from '../strategy.js';
import { forbiddenField, type FieldError } from '../../../machinery/field-errors.js';
import { deepEqual } from '../object-meta.js';

export const immutableDataStrategy: Strategy = {
  validateUpdate(obj, old): FieldError[] {
    if (!old.immutable) return [];
    const errs: FieldError[] = [];
    if (!obj.immutable) errs.push(forbiddenField('immutable', 'field is immutable when `immutable` is set'));
    if (!deepEqual(obj.data, old.data) || !deepEqual(obj.binaryData, old.binaryData) || (old.stringData !== undefined && !deepEqual(obj.stringData, old.stringData))) {
      errs.push(forbiddenField('data', 'field is immutable when `immutable` is set'));
    }
    if (old.type !== undefined && obj.type !== old.type) errs.push({ type: 'FieldValueInvalid', field: 'type', value: obj.type, detail: 'field is immutable' });
    return errs;
  },
  prepareForCreate(obj) {
    // Secrets: stringData is write-only; it is merged into data and dropped.
    if (obj.kind === 'Secret' && obj.stringData) {
      obj.data = obj.data ?? {};
      for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64');
      delete obj.stringData;
    }
  },
  prepareForUpdate(obj) {
    if (obj.kind === 'Secret' && obj.stringData) {
      obj.data = obj.data ?? {};
      for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64');
      delete obj.stringData;
    }
  },
  fieldAttrs: (obj): Record<string, string> => (obj.kind === 'Secret' ? { type: String(obj.type ?? '') } : {}),
};
