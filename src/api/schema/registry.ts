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

export function registerResource(r: ResourceInfo): void {
  const i = resources.findIndex((x) => x.group === r.group && x.version === r.version && x.plural === r.plural);
  if (i >= 0) resources[i] = r; else resources.push(r);
}
export function unregisterResource(group: string, version: string, plural: string): void {
  const i = resources.findIndex((x) => x.group === group && x.version === version && x.plural === plural);
  if (i >= 0) resources.splice(i, 1);
}
export function allResources(): readonly ResourceInfo[] { return resources; }

/** Follow `$ref`s until a concrete schema. */
export function resolve(s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 32; i++) cur = definitions.get(cur.$ref);
  return cur;
}
