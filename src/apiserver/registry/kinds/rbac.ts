/**
 * @module apiserver/registry/kinds/rbac
 * Role bindings: roleRef cannot change once made (delete and recreate instead).
 */
import type { Strategy } from '../strategy.js';
import { invalid, type FieldError } from '../../../machinery/field-errors.js';
import { deepEqual } from '../object-meta.js';

export const roleBindingStrategy: Strategy = {
  validateUpdate(obj, old): FieldError[] {
    return deepEqual(obj.roleRef, old.roleRef) ? [] : [invalid('roleRef', obj.roleRef, 'cannot change roleRef')];
  },
};
