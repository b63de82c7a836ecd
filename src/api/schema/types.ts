/**
 * @module api/schema/types
 * The schema of every kind is written once, in this shape (OpenAPI v3 with Kubernetes' extensions).
 * From it the apiserver derives the OpenAPI v2 and v3 documents, runtime validation (including
 * unknown-field detection for fieldValidation=Strict), defaulting, and strategic-merge-patch and
 * server-side-apply metadata (patch strategy, merge keys, list types).
 */

export interface GroupVersionKind { group: string; version: string; kind: string }

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  /** A definition name, e.g. `io.k8s.api.core.v1.PodSpec` (resolved through the definitions registry). */
  $ref?: string;
  pattern?: string;
  minLength?: number; maxLength?: number;
  minimum?: number; maximum?: number; exclusiveMinimum?: boolean; exclusiveMaximum?: boolean;
  multipleOf?: number;
  minItems?: number; maxItems?: number; uniqueItems?: boolean;
  minProperties?: number; maxProperties?: number;
  allOf?: Schema[]; anyOf?: Schema[]; oneOf?: Schema[]; not?: Schema;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-validations'?: unknown[];
}

/** Scale subresource paths, as in a CRD's `subresources.scale`. */
export interface ScaleSubresource { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string }

/** One served resource (a kind at one group/version), as discovery and the registry see it. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Lowercase plural, the URL segment: `deployments`. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** The schema definition name of the kind, e.g. `io.k8s.api.apps.v1.Deployment`. */
  definition: string;
  /** Subresources served besides the main resource. */
  subresources?: { status?: boolean; scale?: ScaleSubresource };
  /**
   * Subresources that are not the object itself (serviceaccounts/token, pods/eviction, pods/log...):
   * served by their own handlers, listed in discovery with their kind and verbs.
   */
  extraSubresources?: { name: string; kind: GroupVersionKind; verbs: string[] }[];
  /** Served without storage: each POST is answered and nothing is kept (TokenReview, SubjectAccessReview). */
  virtual?: boolean;
  /** Verbs served (default: all of create delete deletecollection get list patch update watch). */
  verbs?: string[];
  /** Storage key segment after /registry/: `pods`, `deployments`, `apiextensions.k8s.io/customresourcedefinitions`. */
  storagePrefix?: string;
  /** True for resources served from a CustomResourceDefinition. */
  custom?: boolean;
  /** Kind-specific defaults beyond the schema's `default`s (SetDefaults_* in Kubernetes). */
  defaulter?: (obj: any) => void;
}
