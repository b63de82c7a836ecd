/**
 * @module api/schema/registry
 * The definitions registry: every named schema (`io.k8s.api.core.v1.Pod`, ...) and every served
 * resource. Group modules register into it at import; `src/api/index.ts` imports them all.
 * CRDs add and remove their definitions at run time.
 */
import type { ResourceInfo, Schema } from './types.js';

const definitions = new Map<string, Schema>();
const resources: ResourceInfo[] = [];

export function define(name: string, schema: Schema): void { definitions.set(name, schema); }
export function undefine(name: string): void { definitions.delete(name); }
export function definition(name: string): Schema | undefined { return definitions.get(name); }
export function allDefinitions(): ReadonlyMap<string, Schema> { return definitions; }

/**
 * Lookups by name, rebuilt when the list changes (CRDs come and go rarely; every request looks
 * its resource up, so a scan of ~70 entries per request is worth avoiding).
 */
let byVersion: Map<string, ResourceInfo> | undefined;
let byGroup: Map<string, ResourceInfo> | undefined;
const versionKey = (group: string, version: string, plural: string) => `${group}/${version}/${plural}`;
const groupKey = (group: string, plural: string) => `${group}/${plural}`;

export function registerResource(r: ResourceInfo): void {
  const i = resources.findIndex((x) => x.group === r.group && x.version === r.version && x.plural === r.plural);
  if (i >= 0) resources[i] = r; else resources.push(r);
  byVersion = byGroup = undefined;
}
export function unregisterResource(group: string, version: string, plural: string): void {
  const i = resources.findIndex((x) => x.group === group && x.version === version && x.plural === plural);
  if (i >= 0) resources.splice(i, 1);
  byVersion = byGroup = undefined;
}
export function allResources(): readonly ResourceInfo[] { return resources; }

/** The resource served at group/version/plural. */
export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  if (!byVersion) byVersion = new Map(resources.map((r) => [versionKey(r.group, r.version, r.plural), r]));
  return byVersion.get(versionKey(group, version, plural));
}

/** A group's resource in its first registered (preferred) version. */
export function findResourceAnyVersion(group: string, plural: string): ResourceInfo | undefined {
  if (!byGroup) {
    byGroup = new Map();
    for (const r of resources) if (!byGroup.has(groupKey(r.group, r.plural))) byGroup.set(groupKey(r.group, r.plural), r);
  }
  return byGroup.get(groupKey(group, plural));
}

/** Follow `$ref`s until a concrete schema. */
export function resolve(s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 32; i++) cur = definitions.get(cur.$ref);
  return cur;
}
