/**
 * @module apiserver/admission/builtin/limit-ranger
 * LimitRanger: a namespace's LimitRanges (type Container) fill in each container's missing
 * requests and limits, and refuse containers outside min, max or maxLimitRequestRatio.
 */
import { forbidden } from '../../../machinery/status.js';
import { parseQuantity } from '../../../machinery/quantity.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { isPodCreate, podName } from './pods.js';

const q = (s: unknown) => parseQuantity(String(s));

function containerItems(ranges: any[]): any[] {
  return ranges.flatMap((r) => r.spec?.limits ?? []).filter((i: any) => i?.type === 'Container');
}

export function limitRangerPlugin(client: LoopbackClient): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    handles: isPodCreate,
    async admit(a) {
      const items = containerItems(await client.list('', 'limitranges', a.namespace));
      const spec = a.object?.spec;
      if (!items.length || !spec) return;
      const notes: string[] = [];
      const visit = (c: any, what: string) => {
        c.resources ??= {};
        const setReq: string[] = [], setLim: string[] = [];
        for (const it of items) {
          const defLimit = it.default ?? it.max ?? {};
          const defReq = it.defaultRequest ?? it.default ?? it.max ?? {};
          for (const [r, v] of Object.entries(defLimit)) {
            if (c.resources.limits?.[r] === undefined) { c.resources.limits = { ...(c.resources.limits ?? {}), [r]: v }; setLim.push(r); }
          }
          for (const [r, v] of Object.entries(defReq)) {
            if (c.resources.requests?.[r] === undefined) { c.resources.requests = { ...(c.resources.requests ?? {}), [r]: v }; setReq.push(r); }
          }
        }
        if (setReq.length) notes.push(`${setReq.join(', ')} request for ${what} ${c.name}`);
        if (setLim.length) notes.push(`${setLim.join(', ')} limit for ${what} ${c.name}`);
      };
      for (const c of spec.initContainers ?? []) visit(c, 'init container');
      for (const c of spec.containers ?? []) visit(c, 'container');
      if (notes.length) {
        a.object.metadata.annotations = { ...(a.object.metadata.annotations ?? {}), 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${notes.join('; ')}` };
      }
    },
    async validate(a) {
      const items = containerItems(await client.list('', 'limitranges', a.namespace));
      if (!items.length) return;
      const errs: string[] = [];
      for (const c of [...(a.object?.spec?.initContainers ?? []), ...(a.object?.spec?.containers ?? [])]) {
        const req = c.resources?.requests ?? {}, lim = c.resources?.limits ?? {};
        for (const it of items) {
          for (const [r, v] of Object.entries(it.min ?? {})) {
            if (req[r] !== undefined && q(req[r]).cmp(q(v)) < 0) errs.push(`minimum ${r} usage per Container is ${v}, but request is ${req[r]}`);
            else if (req[r] === undefined) errs.push(`minimum ${r} usage per Container is ${v}.  No request is specified`);
          }
          for (const [r, v] of Object.entries(it.max ?? {})) {
            if (lim[r] !== undefined && q(lim[r]).cmp(q(v)) > 0) errs.push(`maximum ${r} usage per Container is ${v}, but limit is ${lim[r]}`);
            else if (lim[r] === undefined) errs.push(`maximum ${r} usage per Container is ${v}.  No limit is specified`);
          }
          for (const [r, v] of Object.entries(it.maxLimitRequestRatio ?? {})) {
            if (lim[r] === undefined || req[r] === undefined || q(req[r]).isZero()) continue;
            const ratio = Number(q(lim[r]).nano) / Number(q(req[r]).nano);
            if (ratio > Number(q(v).nano) / 1e9) errs.push(`${r} max limit to request ratio per Container is ${v}, but provided ratio is ${ratio.toFixed(6)}`);
          }
        }
      }
      if (errs.length) throw forbidden(`pods "${podName(a)}" is forbidden: [${errs.join(', ')}]`, { name: podName(a), kind: 'pods' });
    },
  };
}
