import { it } from 'node:test';
import assert from 'node:assert/strict';
import { define } from '../../../api/schema/registry.js';
import { arr, obj, str, int32, mapOf, ref, setOf } from '../../../api/schema/builders.js';
import type { Schema } from '../../../api/schema/types.js';
import { apply, updateManagedFields } from './index.js';
import { fieldsV1Of, fieldSetOf, toFieldsV1 } from './fieldset.js';

define('test.fm.Container', obj({ name: str(), image: str(), args: arr(str()) }));
const schema: Schema = obj({
  apiVersion: str(), kind: str(),
  metadata: obj({ name: str(), labels: mapOf(str()), finalizers: setOf(str()), managedFields: arr(obj({})) }),
  spec: obj({ replicas: int32(), containers: arr(ref('test.fm.Container'), { mergeKey: 'name' }) }),
  status: obj({ replicas: int32() }),
});
const now = '2026-01-01T00:00:00Z';
const base = (spec: any, labels?: any) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', ...(labels ? { labels } : {}) }, spec });

it('records applied fields in Kubernetes fieldsV1 form', () => {
  const r = apply(null, base({ replicas: 2, containers: [{ name: 'app', image: 'a:1' }] }, { app: 'x' }), 'kubectl', schema, { force: false, apiVersion: 'apps/v1', now });
  assert.equal(r.conflicts, undefined);
  const mf = r.object.metadata.managedFields;
  assert.equal(mf.length, 1);
  assert.deepEqual(mf[0], { manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: now, fieldsType: 'FieldsV1', fieldsV1: {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } }, 'f:replicas': {} },
  } });
});

it('removes a field the applier stops applying, keeps what others own', () => {
  let o = apply(null, base({ replicas: 2, containers: [{ name: 'app', image: 'a:1' }, { name: 'side', image: 's:1' }] }), 'kubectl', schema, { force: false, apiVersion: 'apps/v1', now }).object;
  o = updateManagedFields(structuredClone(o), { ...structuredClone(o), metadata: { ...o.metadata, labels: { team: 't' } } }, 'editor', schema, { operation: 'Update', apiVersion: 'apps/v1', now });
  const r = apply(o, base({ containers: [{ name: 'app', image: 'a:1' }] }), 'kubectl', schema, { force: false, apiVersion: 'apps/v1', now });
  assert.equal(r.object.spec.replicas, undefined);
  assert.deepEqual(r.object.spec.containers.map((c: any) => c.name), ['app']);
  assert.deepEqual(r.object.metadata.labels, { team: 't' });
  assert.deepEqual(r.object.metadata.managedFields.map((m: any) => `${m.manager}/${m.operation}`).sort(), ['editor/Update', 'kubectl/Apply']);
});

it('reports conflicts with another manager and takes ownership on force', () => {
  let o = apply(null, base({ replicas: 2 }), 'kubectl', schema, { force: false, apiVersion: 'apps/v1', now }).object;
  o = updateManagedFields(structuredClone(o), { ...structuredClone(o), spec: { replicas: 5 } }, 'kubectl-scale', schema, { operation: 'Update', apiVersion: 'apps/v1', now });
  const r = apply(o, base({ replicas: 3 }), 'kubectl', schema, { force: false, apiVersion: 'apps/v1', now });
  assert.deepEqual(r.conflicts, [{ manager: 'kubectl-scale', field: '.spec.replicas', apiVersion: 'apps/v1' }]);
  const f = apply(o, base({ replicas: 3 }), 'kubectl', schema, { force: true, apiVersion: 'apps/v1', now });
  assert.equal(f.conflicts, undefined);
  assert.equal(f.object.spec.replicas, 3);
  assert.deepEqual(f.object.metadata.managedFields.map((m: any) => m.manager), ['kubectl']);
});

it('an update moves changed fields to the updating manager and ignores status on the main resource', () => {
  const a = base({ replicas: 1 });
  const o = updateManagedFields(null, structuredClone(a), 'creator', schema, { operation: 'Update', apiVersion: 'apps/v1', now });
  const b = { ...structuredClone(o), spec: { replicas: 2 }, status: { replicas: 2 } };
  const u = updateManagedFields(o, b, 'scaler', schema, { operation: 'Update', apiVersion: 'apps/v1', now });
  const byMgr = Object.fromEntries(u.metadata.managedFields.map((m: any) => [m.manager, m.fieldsV1]));
  assert.deepEqual(byMgr.scaler, { 'f:spec': { 'f:replicas': {} } });
  assert.equal(byMgr.creator, undefined);
});

it('builds the same fieldsV1 tree directly as through path sets', () => {
  const objs = [
    base({ replicas: 2, containers: [{ name: 'b', image: 'x', args: ['1'] }, { name: 'a', image: 'y' }] }, { z: '1', a: '2' }),
    { ...base({ containers: [] }), metadata: { name: 'd', finalizers: ['x', 'a'], labels: {} } },
    base({}),
  ];
  for (const o of objs) {
    assert.equal(JSON.stringify(fieldsV1Of(o, schema, { skipRoots: ['status'] })), JSON.stringify(toFieldsV1(fieldSetOf(o, schema, { skipRoots: ['status'] }))));
  }
});
