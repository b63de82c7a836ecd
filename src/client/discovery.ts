/**
 * @module client/discovery
 * What the API server serves, from its discovery documents (`/api`, `/api/v1`, `/apis`,
 * `/apis/<group>/<version>`), as client-go's ServerPreferredResources: each group's preferred
 * version, its top-level resources (not subresources) with their kind, scope and verbs. The
 * garbage collector and the namespace controller both work from this list, so CRDs are covered
 * the moment they are served. Groups whose document fails are reported, not fatal.
 */
import type { Clientset } from './clientset.js';
import type { GVR } from './rest.js';

export interface APIResource extends GVR { kind: string; verbs: string[] }

export interface DiscoveryResult { resources: APIResource[]; failed: Map<string, string> }

async function getJSON(cs: Clientset, path: string): Promise<any> {
  const r = await cs.transport.request('GET', path);
  if (r.status !== 200) throw new Error(`the server could not find the requested resource (get ${path}): ${r.status}`);
  return JSON.parse(r.body);
}

function resourcesOf(doc: any, group: string, version: string): APIResource[] {
  return (doc.resources ?? [])
    .filter((r: any) => !r.name.includes('/'))
    .map((r: any) => ({ group, version, resource: r.name, namespaced: !!r.namespaced, kind: r.kind, verbs: r.verbs ?? [] }));
}

/** The preferred version of every group, with its resources. */
export async function serverPreferredResources(cs: Clientset): Promise<DiscoveryResult> {
  const failed = new Map<string, string>();
  const gvs: { group: string; version: string }[] = [];
  try {
    const core = await getJSON(cs, '/api');
    const v = (core.versions ?? ['v1'])[0];
    gvs.push({ group: '', version: v });
  } catch (e) { failed.set('v1', (e as Error).message); }
  try {
    const groups = await getJSON(cs, '/apis');
    for (const g of groups.groups ?? []) {
      const version = g.preferredVersion?.version ?? g.versions?.[0]?.version;
      if (version) gvs.push({ group: g.name, version });
    }
  } catch (e) { failed.set('apis', (e as Error).message); }
  const resources: APIResource[] = [];
  await Promise.all(gvs.map(async ({ group, version }) => {
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    try { resources.push(...resourcesOf(await getJSON(cs, path), group, version)); } catch (e) { failed.set(group ? `${group}/${version}` : version, (e as Error).message); }
  }));
  resources.sort((a, b) => `${a.group}/${a.resource}`.localeCompare(`${b.group}/${b.resource}`));
  return { resources, failed };
}

export const supports = (r: APIResource, ...verbs: string[]) => verbs.every((v) => r.verbs.includes(v));
export const gvrString = (r: GVR) => `${r.group ? `${r.group}/` : ''}${r.version}/${r.resource}`;
export const apiVersionOf = (r: { group: string; version: string }) => (r.group ? `${r.group}/${r.version}` : r.version);
