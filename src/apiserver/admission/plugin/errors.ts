/**
 * @module apiserver/admission/plugin/errors
 * admission.NewForbidden: the 403 every built-in plugin answers with, naming the object the way
 * Kubernetes does (`pods "x" is forbidden: ...`), and the small pod helpers the plugins share.
 */
import { forbidden, qualifiedResource, type StatusError } from '../../../machinery/status.js';
import type { AdmissionAttributes } from '../../registry/context.js';

/** The name admission messages use: the request's, else the object's, else its generateName. */
export function objectName(attrs: AdmissionAttributes): string {
  const meta = attrs.object?.metadata ?? {};
  return attrs.name || meta.name || meta.generateName || '';
}

/** `<resource>.<group> "<name>" is forbidden: <why>` with the details Kubernetes attaches. */
export function newForbidden(attrs: AdmissionAttributes, why: string): StatusError {
  const name = objectName(attrs);
  return forbidden(`${qualifiedResource(attrs.group, attrs.resource)} "${name}" is forbidden: ${why}`,
    { name, group: attrs.group || undefined, kind: attrs.resource });
}

/** A create (or other operation) on the pods resource itself, not a subresource. */
export function isPod(attrs: AdmissionAttributes): boolean {
  return attrs.group === '' && attrs.resource === 'pods' && attrs.subresource === '';
}

/** Go's utilerrors.NewAggregate(...).Error(): one message bare, several in brackets. */
export function aggregate(msgs: string[]): string {
  return msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
}
