/**
 * @module apiserver/registry/crd/controller
 * Serves CustomResourceDefinitions the moment they are made: watches CRDs through the API server's
 * own watch cache and, for each, registers its versions (schema, resource, printer) so discovery,
 * OpenAPI, validation and the REST endpoints see them at once; then sets the NamesAccepted and
 * Established conditions. Deleting a CRD deletes its custom resources, then lets the CRD go.
 */
import { define, undefine, registerResource, unregisterResource, allResources } from '../../../api/schema/registry.js';
import type { ResourceInfo } from '../../../api/schema/types.js';
import { StatusError } from '../../../machinery/status.js';
import type { ResourceRegistry } from '../resources.js';
import type { RequestContext } from '../context.js';
import { noAdmission } from '../context.js';
import { registerPrinter } from '../../printers/index.js';
import { customResourcePrinter } from '../../printers/default.js';
import { invalidateOpenAPI } from '../../endpoints/openapi.js';
import { crdResourceInfo, crdVersionSchema } from './schema.js';
import { CRD_FINALIZER } from './strategy.js';
import { deepEqual, nowRFC3339 } from '../object-meta.js';

const sysCtx = (): RequestContext => ({ user: { name: 'system:apiserver', groups: ['system:masters'] }, userAgent: 'kube-apiserver/apiextensions', dryRun: false, fieldValidation: 'Ignore', warnings: [], admission: noAdmission });

export class CRDController {
  private served = new Map<string, ResourceInfo[]>();
  private stopWatch?: () => void;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly reg: ResourceRegistry) {}

  async start(): Promise<void> {
    const info = this.reg.find('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    if (!info) return;
    const store = this.reg.storeFor(info);
    const cache = this.reg.cacheFor(store);
    await cache.ready();
    // Register what exists before serving, so a restarted server serves its CRDs from the first request.
    for (const it of (await cache.list(store.prefix)).items) await this.sync(it.obj);
    const w = cache.watch(cache.revision(), store.prefix, false, {
      onEvents: (evs) => {
        for (const ev of evs) this.queue = this.queue.then(() => (ev.type === 'DELETED' ? this.remove(ev.cur.obj) : this.sync(ev.cur.obj))).catch((e) => console.error('skiff crd controller:', e));
      },
      onError: () => { /* the server is stopping */ },
    });
    this.stopWatch = () => w.stop();
  }

  stop(): void { this.stopWatch?.(); }

  /** Wait until every event seen so far has been handled (tests and CRD create responses). */
  idle(): Promise<void> { return this.queue; }

  private register(crd: any): void {
    const name = crd.metadata.name;
    const before = this.served.get(name) ?? [];
    const now: ResourceInfo[] = [];
    for (const v of crd.spec.versions ?? []) {
      if (!v.served) continue;
      const info = crdResourceInfo(crd, v);
      define(info.definition, crdVersionSchema(info.group, info.version, info.kind, v.schema?.openAPIV3Schema));
      registerResource(info);
      now.push(info);
      const cols = v.additionalPrinterColumns ?? crd.spec.additionalPrinterColumns;
      if (cols?.length) registerPrinter(info.group, info.plural, customResourcePrinter(cols));
    }
    for (const old of before) {
      if (!now.some((n) => n.version === old.version && n.plural === old.plural)) this.unregisterOne(old);
    }
    this.served.set(name, now);
    invalidateOpenAPI();
  }

  private unregisterOne(info: ResourceInfo): void {
    unregisterResource(info.group, info.version, info.plural);
    undefine(info.definition);
    this.reg.drop(info.group, info.version, info.plural);
  }

  private async sync(crd: any): Promise<void> {
    if (crd.metadata.deletionTimestamp) return this.cleanup(crd);
    this.register(crd);
    const storage = (crd.spec.versions ?? []).find((v: any) => v.storage)?.name;
    const conds = [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ];
    const status = crd.status ?? {};
    const stored: string[] = [...new Set([...(status.storedVersions ?? []), ...(storage ? [storage] : [])])];
    const same = deepEqual(status.acceptedNames, crd.spec.names) && deepEqual(status.storedVersions, stored)
      && conds.every((c) => (status.conditions ?? []).some((x: any) => x.type === c.type && x.status === c.status));
    if (same) return;
    const info = this.reg.find('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
    const store = this.reg.storeFor(info);
    try {
      await store.guaranteedUpdate('', crd.metadata.name, (cur) => {
        const next = structuredClone(cur);
        const t = nowRFC3339();
        next.status = { ...(cur.status ?? {}), acceptedNames: cur.spec.names, storedVersions: stored,
          conditions: conds.map((c) => ({ ...c, lastTransitionTime: (cur.status?.conditions ?? []).find((x: any) => x.type === c.type && x.status === c.status)?.lastTransitionTime ?? t })) };
        return next;
      });
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }

  /** Delete every custom resource of the CRD, then drop the finalizer so the CRD itself goes. */
  private async cleanup(crd: any): Promise<void> {
    const infos = this.served.get(crd.metadata.name) ?? [];
    const info = infos[0] ?? crdResourceInfo(crd, (crd.spec.versions ?? [])[0] ?? { name: 'v1' });
    const prefix = `/registry/${info.storagePrefix}/`;
    for (;;) {
      const page = await this.reg.storage.list(prefix, { limit: 500 });
      for (const kv of page.items) { try { await this.reg.storage.delete(kv.key); } catch { /* gone already */ } }
      if (!page.more) break;
    }
    for (const i of infos) this.unregisterOne(i);
    this.served.delete(crd.metadata.name);
    invalidateOpenAPI();
    const store = this.reg.storeFor(this.reg.find('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!);
    try {
      await store.guaranteedUpdate('', crd.metadata.name, (cur) => {
        const next = structuredClone(cur);
        next.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f: string) => f !== CRD_FINALIZER);
        if (!next.metadata.finalizers.length) delete next.metadata.finalizers;
        return next;
      });
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }

  private async remove(crd: any): Promise<void> {
    for (const i of this.served.get(crd.metadata.name) ?? []) this.unregisterOne(i);
    this.served.delete(crd.metadata.name);
    invalidateOpenAPI();
  }
}

export { allResources };
