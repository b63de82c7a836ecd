/**
 * @module apiserver/registry/kinds/node
 * Nodes: podCIDR may be set once and not changed; spec.unschedulable is a selectable field; the
 * kubelet registers its Node with status (capacity, conditions) in the create, as Kubernetes allows.
 */
import type { Strategy } from '../strategy.js';
import { forbiddenField, type FieldError } from '../../../machinery/field-errors.js';

export const nodeStrategy: Strategy = {
  keepsStatusOnCreate: true,
  validateUpdate(obj, old): FieldError[] {
    const errs: FieldError[] = [];
    if (old.spec?.podCIDR && obj.spec?.podCIDR !== old.spec.podCIDR) errs.push(forbiddenField('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid'));
    return errs;
  },
  fieldAttrs: (obj) => ({ 'spec.unschedulable': String(!!obj.spec?.unschedulable) }),
};
