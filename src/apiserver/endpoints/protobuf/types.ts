/**
 * @module apiserver/endpoints/protobuf/types
 * The shape of the compact field tables that describe Kubernetes' generated.proto messages.
 *
 * A field is `[number, jsonName, type]`. `type` is one of:
 *  - a scalar: `string`, `bytes`, `bool`, `int32`, `int64`, `uint32`, `uint64`, `sint32`, `sint64`,
 *    `fixed32`, `fixed64`, `sfixed32`, `sfixed64`, `double`, `float`, `enum`;
 *  - a message: `Name` (same package) or `alias.Name` (alias from PACKAGE_ALIASES);
 *  - a repeated field: `[]` + element type;
 *  - a map: `map[K]V` (on the wire: repeated entries {1 key, 2 value}).
 * Field names in Kubernetes' generated.proto are the Go JSON names, so they are used as-is.
 */

export type FieldSpec = readonly [number, string, string];

/** One proto package's messages, by short name. */
export interface PackageTable { pkg: string; messages: Record<string, readonly FieldSpec[]> }

/** Short aliases for the proto packages the tables refer to. */
export const PACKAGE_ALIASES: Record<string, string> = {
  meta: 'k8s.io.apimachinery.pkg.apis.meta.v1',
  resource: 'k8s.io.apimachinery.pkg.api.resource',
  intstr: 'k8s.io.apimachinery.pkg.util.intstr',
  runtime: 'k8s.io.apimachinery.pkg.runtime',
  schema: 'k8s.io.apimachinery.pkg.runtime.schema',
  core: 'k8s.io.api.core.v1',
  apps: 'k8s.io.api.apps.v1',
  batch: 'k8s.io.api.batch.v1',
  rbac: 'k8s.io.api.rbac.v1',
  networking: 'k8s.io.api.networking.v1',
  policy: 'k8s.io.api.policy.v1',
  scheduling: 'k8s.io.api.scheduling.v1',
  autoscaling: 'k8s.io.api.autoscaling.v1',
  autoscalingV2: 'k8s.io.api.autoscaling.v2',
  authentication: 'k8s.io.api.authentication.v1',
  coordination: 'k8s.io.api.coordination.v1',
  discovery: 'k8s.io.api.discovery.v1',
  authorization: 'k8s.io.api.authorization.v1',
  admissionregistration: 'k8s.io.api.admissionregistration.v1',
  events: 'k8s.io.api.events.v1',
};
