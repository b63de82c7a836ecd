/**
 * @module apiserver/endpoints/protobuf/schema
 * Resolves the compact field tables into lookup structures (message full name -> field number ->
 * field), and maps an object's apiVersion/kind to the proto message that carries it.
 */
import { ALL_PACKAGES } from './tables/index.js';
import { PACKAGE_ALIASES, type PackageTable } from './types.js';

export type TypeRef =
  | { t: 'scalar'; scalar: string }
  | { t: 'message'; full: string }
  | { t: 'repeated'; elem: TypeRef }
  | { t: 'map'; key: TypeRef; value: TypeRef };

export interface ResolvedField { number: number; name: string; type: TypeRef }

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'double', 'float', 'enum']);

function parseType(s: string, pkg: string): TypeRef {
  if (s.startsWith('[]')) return { t: 'repeated', elem: parseType(s.slice(2), pkg) };
  if (s.startsWith('map[')) {
    const close = s.indexOf(']');
    return { t: 'map', key: parseType(s.slice(4, close), pkg), value: parseType(s.slice(close + 1), pkg) };
  }
  if (SCALARS.has(s)) return { t: 'scalar', scalar: s };
  const dot = s.indexOf('.');
  if (dot < 0) return { t: 'message', full: `${pkg}.${s}` };
  const alias = PACKAGE_ALIASES[s.slice(0, dot)];
  if (!alias) throw new Error(`protobuf schema: unknown package alias in ${s}`);
  return { t: 'message', full: `${alias}.${s.slice(dot + 1)}` };
}

/** Every known message, by full proto name ("k8s.io.api.core.v1.Namespace"). */
export class MessageRegistry {
  private readonly messages = new Map<string, Map<number, ResolvedField>>();

  constructor(packages: PackageTable[]) {
    for (const p of packages) {
      for (const [name, fields] of Object.entries(p.messages)) {
        const byNumber = new Map<number, ResolvedField>();
        for (const [number, fname, type] of fields) byNumber.set(number, { number, name: fname, type: parseType(type, p.pkg) });
        this.messages.set(`${p.pkg}.${name}`, byNumber);
      }
    }
  }

  fields(full: string): Map<number, ResolvedField> | undefined {
    return this.messages.get(full);
  }
}

export const registry = new MessageRegistry(ALL_PACKAGES);

const META = PACKAGE_ALIASES.meta;

/** API group -> proto package prefix of its types (the version is appended). */
const GROUP_PACKAGES: Record<string, string> = {
  '': 'k8s.io.api.core',
  apps: 'k8s.io.api.apps',
  batch: 'k8s.io.api.batch',
  'rbac.authorization.k8s.io': 'k8s.io.api.rbac',
  'networking.k8s.io': 'k8s.io.api.networking',
  policy: 'k8s.io.api.policy',
  'scheduling.k8s.io': 'k8s.io.api.scheduling',
  autoscaling: 'k8s.io.api.autoscaling',
  'authentication.k8s.io': 'k8s.io.api.authentication',
  'coordination.k8s.io': 'k8s.io.api.coordination',
  'discovery.k8s.io': 'k8s.io.api.discovery',
  'authorization.k8s.io': 'k8s.io.api.authorization',
  'admissionregistration.k8s.io': 'k8s.io.api.admissionregistration',
  'events.k8s.io': 'k8s.io.api.events',
};

/**
 * Options and Status kinds are meta/v1 types whichever group they are sent to: client-go encodes
 * e.g. DeleteOptions with the target group's version, but the message is metav1's.
 */
const META_KINDS = new Set(['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'GetOptions', 'ListOptions', 'Status', 'WatchEvent']);

/** The proto message for an apiVersion/kind, or undefined when this server has no table for it. */
export function messageFor(apiVersion: string, kind: string): string | undefined {
  if (META_KINDS.has(kind) && registry.fields(`${META}.${kind}`)) return `${META}.${kind}`;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const pkg = GROUP_PACKAGES[group];
  if (!pkg || !/^v\d+$/.test(version)) return undefined;
  const full = `${pkg}.${version}.${kind}`;
  return registry.fields(full) ? full : undefined;
}
