/**
 * @module apiserver/registry/strategy
 * What a kind adds to the generic store: small pure hooks (Kubernetes' RESTCreateStrategy,
 * RESTUpdateStrategy, RESTDeleteStrategy). Most kinds need none beyond the defaults here.
 */
import type { FieldError } from '../../machinery/field-errors.js';
import type { RequestContext } from './context.js';

export interface Strategy {
  /** Reset fields a client may not set on create (e.g. status for kinds with a status subresource). */
  prepareForCreate?(obj: any, ctx?: RequestContext): void;
  /** Carry over fields a client may not change on update (e.g. status from the old object). */
  prepareForUpdate?(obj: any, old: any): void;
  /** The same for a subresource update (`status`, or a view of the object such as CSRs' `approval`), after the generic copy. */
  prepareForSubresourceUpdate?(obj: any, old: any, sub: string): void;
  /** Kind-specific validation beyond the schema (names, selectors, immutable fields). */
  validate?(obj: any): FieldError[];
  validateUpdate?(obj: any, old: any, sub?: string): FieldError[];
  /** Field selector attributes of an object (metadata.name and metadata.namespace are always there). */
  fieldAttrs?(obj: any): Record<string, string>;
  /** Grace period for a delete when the client gives none (pods: spec.terminationGracePeriodSeconds). 0: delete at once. */
  defaultGracePeriod?(obj: any): number;
  /** The creator may set status (Nodes: the kubelet registers its node with capacity and conditions). */
  keepsStatusOnCreate?: boolean;
  /** True while something other than metadata.finalizers still holds the object (Namespace: spec.finalizers). */
  blocksDeletion?(obj: any): boolean;
  /** Changes made when an object starts terminating (Namespace: phase Terminating). */
  prepareForDelete?(obj: any): void;
  /** Whether PUT may create a missing object (Kubernetes allows it for a few kinds). */
  allowCreateOnUpdate?: boolean;
}

/** Kubernetes' default: an object's metadata.name and metadata.namespace are selectable fields. */
export function defaultFieldAttrs(obj: any): Record<string, string> {
  const m = obj?.metadata ?? {};
  return { 'metadata.name': m.name ?? '', 'metadata.namespace': m.namespace ?? '' };
}
