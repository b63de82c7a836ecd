import { it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregatedDiscovery, apiResourceList, wantsAggregated, apiGroupList } from './discovery.js';
import type { ResourceInfo } from '../../api/schema/types.js';

const rs: ResourceInfo[] = [
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], definition: 'x', subresources: { status: true } },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true, definition: 'y', subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } } },
];

it('negotiates aggregated discovery like kubectl asks for it', () => {
  assert.equal(wantsAggregated('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2');
  assert.equal(wantsAggregated('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1');
  assert.equal(wantsAggregated('application/json, */*'), null);
});

it('builds aggregated and legacy documents', () => {
  const core: any = aggregatedDiscovery(rs, true, 'v2');
  assert.equal(core.items.length, 1);
  assert.equal(core.items[0].versions[0].resources[0].resource, 'pods');
  const apis: any = aggregatedDiscovery(rs, false, 'v2');
  const dep = apis.items[0].versions[0].resources[0];
  assert.deepEqual(dep.subresources.map((s: any) => s.subresource), ['scale', 'status']);
  assert.equal(dep.subresources[0].responseKind.kind, 'Scale');
  const list: any = apiResourceList(rs, 'apps', 'v1');
  assert.deepEqual(list.resources.map((r: any) => r.name), ['deployments', 'deployments/scale', 'deployments/status']);
  assert.deepEqual((apiGroupList(rs) as any).groups.map((g: any) => g.name), ['apps']);
});
