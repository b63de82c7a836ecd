/**
 * @module apiserver/registry/scale
 * The scale subresource (autoscaling/v1 Scale) over a kind's replica fields, for built-in kinds
 * and for CRDs with `subresources.scale` (paths like `.spec.replicas`).
 */
import { StatusError, staleObject } from '../../machinery/status.js';
import type { Store } from './store.js';
import type { RequestContext } from './context.js';
import { simpleJSONPath } from '../printers/default.js';
import { selectorString } from './patchers.js';
import { deepCopy } from '../../machinery/deep-copy.js';

function setPath(obj: any, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    if (cur[parts[i]] === undefined || cur[parts[i]] === null) cur[parts[i]] = {};
    cur = cur[parts[i]];
  }
  cur[parts[parts.length - 1]] = value;
}

export function getScale(store: Store, obj: any): any {
  const sc = store.info.subresources!.scale!;
  const m = obj.metadata;
  let selector = '';
  if (sc.labelSelectorPath) {
    const v = simpleJSONPath(obj, sc.labelSelectorPath);
    selector = typeof v === 'string' ? v : v && typeof v === 'object' ? selectorString(v) : '';
  }
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(simpleJSONPath(obj, sc.specReplicasPath) ?? 0) },
    status: { replicas: Number(simpleJSONPath(obj, sc.statusReplicasPath) ?? 0), ...(selector ? { selector } : {}) },
  };
}

export async function updateScale(store: Store, ns: string, name: string, scale: any, ctx: RequestContext): Promise<any> {
  const replicas = scale?.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new StatusError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      { name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', message: 'must be greater than or equal to 0', field: 'spec.replicas' }] });
  }
  const pinned = scale?.metadata?.resourceVersion ? String(scale.metadata.resourceVersion) : undefined;
  const sc = store.info.subresources!.scale!;
  const r = await store.guaranteedUpdate(ns, name, async (cur) => {
    if (pinned && pinned !== cur.metadata.resourceVersion) throw staleObject(store.group, store.resource, name);
    const next = deepCopy(cur);
    setPath(next, sc.specReplicasPath, replicas);
    return store.prepareUpdate(ns, name, next, cur, ctx, '');
  }, { dryRun: ctx.dryRun });
  return getScale(store, r.obj);
}
