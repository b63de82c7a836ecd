import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attrsFor, fakeClient } from './fake-client.js';
import { ResourceQuotaController, recalculateQuota, resourceQuotaPlugin } from './resource-quota.js';

function setup(hard: Record<string, string>, used?: Record<string, string>, extra: any = {}) {
  const c = fakeClient();
  c.seed('', 'resourcequotas', { metadata: { name: 'q', namespace: 'ns' }, spec: { hard, ...extra }, ...(used ? { status: { hard, used } } : {}) });
  return { c, p: resourceQuotaPlugin(c) };
}
const res = (requests?: any, limits?: any) => ({ resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });
const podWith = (name: string, containers: any[] = [{ name: 'c1', image: 'i' }], spec: any = {}): any =>
  ({ metadata: { name, namespace: 'ns' }, spec: { containers, ...spec } });
const used = async (c: any) => (await c.get('', 'resourcequotas', 'ns', 'q')).status?.used;

describe('ResourceQuota admission', () => {
  it('charges a pod create to status.used and copies hard', async () => {
    const { c, p } = setup({ pods: '5', 'requests.cpu': '2', 'limits.memory': '1Gi' });
    assert.equal(p.name, 'ResourceQuota');
    const a = attrsFor('CREATE', 'pods', 'ns', podWith('x', [{ name: 'c1', image: 'i', ...res({ cpu: '500m' }, { memory: '512Mi' }) }]));
    assert.ok(p.handles(a));
    await p.validate!(a);
    const q = await c.get('', 'resourcequotas', 'ns', 'q');
    assert.deepEqual(q.status.used, { pods: '1', 'requests.cpu': '500m', 'limits.memory': '512Mi' });
    assert.deepEqual(q.status.hard, { pods: '5', 'requests.cpu': '2', 'limits.memory': '1Gi' });
  });

  it('refuses a create past hard with Kubernetes’ message', async () => {
    const { p } = setup({ pods: '2', configmaps: '10' }, { pods: '2', configmaps: '0' });
    await assert.rejects(p.validate!(attrsFor('CREATE', 'pods', 'ns', podWith('x'))), (e: any) => {
      assert.equal(e.code, 403);
      assert.equal(e.message, 'pods "x" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
      return true;
    });
  });

  it('lists every exceeded name, sorted, in canonical form', async () => {
    const { p } = setup({ 'requests.memory': '1Gi', pods: '1', cpu: '1' }, { 'requests.memory': '768Mi', pods: '1', cpu: '0' });
    const pod = podWith('x', [{ name: 'c1', image: 'i', ...res({ cpu: '500m', memory: '512Mi' }) }]);
    await assert.rejects(p.validate!(attrsFor('CREATE', 'pods', 'ns', pod)),
      { message: 'pods "x" is forbidden: exceeded quota: q, requested: pods=1,requests.memory=512Mi, used: pods=1,requests.memory=768Mi, limited: pods=1,requests.memory=1Gi' });
  });

  it('requires containers to state tracked compute resources', async () => {
    const { p } = setup({ 'limits.cpu': '4', 'requests.memory': '4Gi' });
    const pod = podWith('x', [{ name: 'c1', image: 'i', ...res({ cpu: '1' }) }, { name: 'c2', image: 'i', ...res({ memory: '1Gi' }, { cpu: '1' }) }]);
    await assert.rejects(p.validate!(attrsFor('CREATE', 'pods', 'ns', pod)),
      { message: 'pods "x" is forbidden: failed quota: q: must specify limits.cpu for: c1; requests.memory for: c1' });
  });

  it('counts other kinds by legacy and count/ names', async () => {
    const { c, p } = setup({ configmaps: '1', 'count/configmaps': '5', 'count/deployments.apps': '1' }, { configmaps: '1', 'count/configmaps': '1', 'count/deployments.apps': '0' });
    await assert.rejects(p.validate!(attrsFor('CREATE', 'configmaps', 'ns', { metadata: { name: 'cm' } })),
      { message: 'configmaps "cm" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=1, limited: configmaps=1' });
    await p.validate!({ ...attrsFor('CREATE', 'deployments', 'ns', { metadata: { name: 'd' } }), group: 'apps' });
    assert.equal((await used(c))['count/deployments.apps'], '1');
    await assert.rejects(p.validate!({ ...attrsFor('CREATE', 'deployments', 'ns', { metadata: { name: 'd2' } }), group: 'apps' }),
      { message: 'deployments.apps "d2" is forbidden: exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1' });
  });

  it('does not charge on dry run, and ignores namespaces without quotas', async () => {
    const { c, p } = setup({ pods: '5' });
    await p.validate!(attrsFor('CREATE', 'pods', 'ns', podWith('x'), { dryRun: true }));
    assert.equal(await used(c), undefined);
    await p.validate!(attrsFor('CREATE', 'pods', 'other', podWith('x')));
  });

  it('respects quota scopes', async () => {
    const { c, p } = setup({ pods: '1' }, undefined, { scopes: ['BestEffort'] });
    await p.validate!(attrsFor('CREATE', 'pods', 'ns', podWith('burst', [{ name: 'c1', image: 'i', ...res({ cpu: '1' }) }])));
    assert.equal(await used(c), undefined);
    await p.validate!(attrsFor('CREATE', 'pods', 'ns', podWith('be')));
    assert.equal((await used(c)).pods, '1');
    await p.validate!(attrsFor('CREATE', 'configmaps', 'ns', { metadata: { name: 'cm' } }));
  });

  it('20 concurrent creates against hard pods=5: exactly 5 admitted', async () => {
    const { c, p } = setup({ pods: '5' }, { pods: '0' });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => p.validate!(attrsFor('CREATE', 'pods', 'ns', podWith(`p${i}`)))));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
    for (const r of results) if (r.status === 'rejected') assert.match((r.reason as Error).message, /exceeded quota: q, requested: pods=1, used: pods=5, limited: pods=5$/);
    assert.equal((await used(c)).pods, '5');
    assert.ok(c.conflicts > 0, 'the updates really raced');
  });
});

describe('ResourceQuota recalculation', () => {
  it('recomputes used from existing objects, skipping finished pods', async () => {
    const { c } = setup({ pods: '10', 'requests.cpu': '10', 'count/secrets': '3', services: '2' }, { pods: '9', 'requests.cpu': '9', 'count/secrets': '3', services: '2' });
    c.seed('', 'pods', podWith('run', [{ name: 'c1', image: 'i', ...res({ cpu: '250m' }) }]));
    c.seed('', 'pods', { ...podWith('done', [{ name: 'c1', image: 'i', ...res({ cpu: '1' }) }]), status: { phase: 'Succeeded' } });
    c.seed('', 'secrets', { metadata: { name: 's', namespace: 'ns' } });
    c.seed('', 'secrets', { metadata: { name: 's2', namespace: 'other' } });
    assert.equal(await recalculateQuota(c, 'ns', 'q'), 0);
    assert.deepEqual(await used(c), { pods: '1', 'requests.cpu': '250m', 'count/secrets': '1', services: '0' });
  });

  it('does not lower a quota charged moments ago', async () => {
    const { c, p } = setup({ pods: '5' }, { pods: '0' });
    await p.validate!(attrsFor('CREATE', 'pods', 'ns', podWith('x')));
    // The pod is not stored yet: recalculation must not hand its charge back.
    assert.ok(await recalculateQuota(c, 'ns', 'q', 200) > 0);
    assert.equal((await used(c)).pods, '1');
    await new Promise((r) => setTimeout(r, 220));
    assert.equal(await recalculateQuota(c, 'ns', 'q', 200), 0);
    assert.equal((await used(c)).pods, '0');
  });

  it('the controller gives quota back when pods go away', async () => {
    const { c } = setup({ pods: '5' });
    const ctl = new ResourceQuotaController(c, { settleMs: 50 });
    try {
      ctl.start();
      await ctl.trigger();
      assert.deepEqual(await used(c), { pods: '0' });
      await c.create('', 'pods', 'ns', podWith('a'));
      await c.create('', 'pods', 'ns', podWith('b'));
      await new Promise((r) => setTimeout(r, 20));
      await ctl.trigger();
      assert.equal((await used(c)).pods, '2');
      await c.delete('', 'pods', 'ns', 'a');
      await new Promise((r) => setTimeout(r, 20));
      await ctl.trigger();
      assert.equal((await used(c)).pods, '1');
      await c.update('', 'resourcequotas', 'ns', 'q', (q) => { q.spec.hard.configmaps = '3'; return q; });
      await new Promise((r) => setTimeout(r, 20));
      await ctl.trigger();
      assert.deepEqual(await used(c), { pods: '1', configmaps: '0' });
    } finally {
      ctl.stop();
    }
  });
});
