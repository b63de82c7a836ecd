/**
 * @module apiserver/endpoints/discovery
 * API discovery, both forms kubectl and client libraries use: aggregated (apidiscovery.k8s.io v2 and
 * v2beta1, one request for everything) and legacy (APIVersions, APIGroupList, APIResourceList).
 */
import type { ResourceInfo } from '../../api/schema/types.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS = ['get', 'patch', 'update'];

export interface GroupVersions { group: string; versions: string[]; resources: ResourceInfo[] }

/** Groups in Kubernetes' priority order (core first, then the built-in groups, then CRD groups by name). */
const GROUP_ORDER = ['', 'apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io',
  'autoscaling', 'batch', 'certificates.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io',
  'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io', 'metrics.k8s.io'];

export function groupsOf(resources: readonly ResourceInfo[]): GroupVersions[] {
  const byGroup = new Map<string, GroupVersions>();
  for (const r of resources) {
    let g = byGroup.get(r.group);
    if (!g) { g = { group: r.group, versions: [], resources: [] }; byGroup.set(r.group, g); }
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
    g.resources.push(r);
  }
  const rank = (g: string) => { const i = GROUP_ORDER.indexOf(g); return i < 0 ? GROUP_ORDER.length : i; };
  return [...byGroup.values()].sort((a, b) => rank(a.group) - rank(b.group) || a.group.localeCompare(b.group));
}

function verbsOf(r: ResourceInfo): string[] { return r.verbs ?? ALL_VERBS; }

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(g: GroupVersions): object {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(resources: readonly ResourceInfo[]): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsOf(resources).filter((g) => g.group !== '').map(groupEntry) };
}

export function apiGroup(resources: readonly ResourceInfo[], group: string): object | null {
  const g = groupsOf(resources).find((x) => x.group === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g) } : null;
}

export function apiResourceList(resources: readonly ResourceInfo[], group: string, version: string): object | null {
  const rs = resources.filter((r) => r.group === group && r.version === version);
  if (!rs.length) return null;
  const out: object[] = [];
  for (const r of rs) {
    out.push({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: verbsOf(r),
      ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}), ...(r.categories?.length ? { categories: r.categories } : {}) });
    for (const sub of subresourcesOf(r)) {
      out.push({ name: `${r.plural}/${sub.subresource}`, singularName: '', namespaced: r.namespaced,
        ...(sub.responseKind.group !== group || sub.responseKind.version !== version ? { group: sub.responseKind.group, version: sub.responseKind.version } : {}),
        kind: sub.responseKind.kind, verbs: sub.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: out };
}

interface Sub { subresource: string; responseKind: { group: string; version: string; kind: string }; verbs: string[] }

function subresourcesOf(r: ResourceInfo): Sub[] {
  const subs: Sub[] = [];
  if (r.subresources?.scale) subs.push({ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: SUB_VERBS });
  if (r.subresources?.status) subs.push({ subresource: 'status', responseKind: { group: r.group, version: r.version, kind: r.kind }, verbs: SUB_VERBS });
  for (const x of r.extraSubresources ?? []) subs.push({ subresource: x.name, responseKind: x.kind, verbs: x.verbs });
  return subs.sort((a, b) => a.subresource.localeCompare(b.subresource));
}

function discoveryResource(r: ResourceInfo): object {
  return {
    resource: r.plural, responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: r.singular, verbs: verbsOf(r),
    ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}), ...(r.categories?.length ? { categories: r.categories } : {}),
    ...(subresourcesOf(r).length ? { subresources: subresourcesOf(r) } : {}),
  };
}

/** Aggregated discovery for `/api` (core only) or `/apis` (every other group). */
export function aggregatedDiscovery(resources: readonly ResourceInfo[], core: boolean, apiVersion: 'v2' | 'v2beta1'): object {
  const items = groupsOf(resources).filter((g) => (g.group === '') === core).map((g) => ({
    metadata: core ? { creationTimestamp: null } : { name: g.group, creationTimestamp: null },
    versions: g.versions.map((v) => ({
      version: v, freshness: 'Current',
      resources: g.resources.filter((r) => r.version === v).sort((a, b) => a.plural.localeCompare(b.plural)).map(discoveryResource),
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${apiVersion}`, metadata: {}, items };
}

/** Which aggregated-discovery version the Accept header asks for, if any. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | null {
  if (!accept) return null;
  for (const part of accept.split(',')) {
    if (!/as=APIGroupDiscoveryList/.test(part) || !/g=apidiscovery\.k8s\.io/.test(part)) {
      if (/^\s*application\/json\s*(;|$)/.test(part) && !/as=/.test(part)) return null;
      continue;
    }
    if (/v=v2beta1/.test(part)) return 'v2beta1';
    if (/v=v2(\s*;|\s*$)/.test(part)) return 'v2';
  }
  return null;
}
