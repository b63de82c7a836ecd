/**
 * @module apiserver/registry/store
 * The generic store: runs every verb (get, list, create, update, patch, delete, deletecollection)
 * for every kind, against the storage interface, with optimistic concurrency everywhere. A kind
 * only supplies a Strategy. Mirrors k8s.io/apiserver/pkg/registry/generic/registry/store.go.
 */
import type { Storage, KeyValue } from '../../storage/interface.js';
import { StorageError } from '../../storage/interface.js';
import type { ResourceInfo, Schema } from '../../api/schema/types.js';
import { StatusError, notFound, alreadyExists, staleObject, conflict, badRequest, internalError } from '../../machinery/status.js';
import { invalidError, type FieldError } from '../../machinery/field-errors.js';
import type { Strategy } from './strategy.js';
import type { RequestContext, AdmissionAttributes, Operation } from './context.js';
import { ObjectCodec } from './codec.js';
import { fillCreateMeta, generateName, nowRFC3339, specChanged, deepEqual } from './object-meta.js';
import { checkAndDefault, validateObject, validateObjectUpdate, trackUpdate, carryPending } from './pipeline.js';
import { fanoutTracker, type RequestTrace } from '../tracing.js';
import { isStampedResource, shouldStamp, stampObject, unstampObject } from '../../tracing/annotation.js';
import { deepCopy } from '../../machinery/deep-copy.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
}

export interface DeleteResult { obj: any; deleted: boolean }

/**
 * A check on who may write this object as submitted, before anything else runs (RBAC's escalation
 * prevention: you cannot grant or bind what you do not hold).
 */
export type WriteGuard = (op: 'CREATE' | 'UPDATE', ns: string, obj: any, old: any, ctx: RequestContext) => Promise<void>;

/** Kinds whose strategies keep metadata.generation (the spec-bearing kinds), as in Kubernetes. */
const GENERATION_KINDS = new Set(['apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs',
  'networking.k8s.io/networkpolicies', 'networking.k8s.io/ingresses', 'policy/poddisruptionbudgets', 'apiextensions.k8s.io/customresourcedefinitions',
  '/replicationcontrollers', 'autoscaling/horizontalpodautoscalers']);

export class Store {
  readonly group: string;
  readonly resource: string;
  readonly prefix: string;
  /** Whether this kind keeps metadata.generation. */
  readonly tracksGeneration: boolean;
  constructor(readonly info: ResourceInfo, readonly schema: Schema, readonly storage: Storage,
              readonly strategy: Strategy, readonly codec: ObjectCodec,
              readonly opts: { returnDeletedObject?: boolean; namespaceGuard?: (ns: string, op: Operation) => Promise<void>; writeGuard?: WriteGuard } = {}) {
    this.group = info.group;
    this.resource = info.plural;
    this.prefix = `/registry/${info.storagePrefix ?? info.plural}/`;
    this.tracksGeneration = !!info.custom || GENERATION_KINDS.has(`${info.group}/${info.plural}`);
  }

  get apiVersion(): string { return this.info.group ? `${this.info.group}/${this.info.version}` : this.info.version; }

  key(ns: string, name: string): string {
    return this.info.namespaced ? `${this.prefix}${ns}/${name}` : `${this.prefix}${name}`;
  }
  /** The storage prefix for one namespace, or the whole resource. */
  listPrefix(ns: string): string {
    return this.info.namespaced && ns ? `${this.prefix}${ns}/` : this.prefix;
  }

  private mapStorageError(e: unknown, name: string): never {
    if (e instanceof StatusError) throw e;
    if (e instanceof StorageError) {
      if (e.code === 'NotFound') throw notFound(this.group, this.resource, name);
      if (e.code === 'KeyExists') throw alreadyExists(this.group, this.resource, name);
      if (e.code === 'Conflict') throw staleObject(this.group, this.resource, name);
      if (e.code === 'Unavailable') throw new StatusError(503, 'ServiceUnavailable', `storage is unavailable: ${e.message}`);
    }
    throw internalError(e);
  }

  async getKV(ns: string, name: string): Promise<KeyValue> {
    let kv: KeyValue | null;
    try { kv = await this.storage.get(this.key(ns, name)); } catch (e) { this.mapStorageError(e, name); }
    if (!kv) throw notFound(this.group, this.resource, name);
    return kv;
  }

  async get(ns: string, name: string): Promise<any> {
    return this.codec.decode(await this.getKV(ns, name));
  }

  private attrs(op: Operation, ns: string, name: string, obj: any, old: any, ctx: RequestContext, sub = ''): AdmissionAttributes {
    return { operation: op, group: this.info.group, version: this.info.version, kind: this.info.kind, resource: this.resource,
      subresource: sub, namespace: ns, name, object: obj, oldObject: old, dryRun: ctx.dryRun, user: ctx.user, warnings: ctx.warnings, auditAnnotations: ctx.auditAnnotations, trace: ctx.trace };
  }

  /** Check the body names the right kind and namespace for this URL (Kubernetes' 400s). */
  checkBody(ns: string, obj: any, name?: string): void {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(obj)?.slice(0, 200)}'`);
    if (obj.kind !== undefined && obj.kind !== this.info.kind && !(obj.kind === '' || obj.kind === undefined)) {
      throw badRequest(`the object provided is unrecognized (must be of type ${this.info.kind}): ${obj.kind} in version "${obj.apiVersion ?? ''}" cannot be handled as a ${this.info.kind}`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== this.apiVersion) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${this.apiVersion})`);
    }
    obj.apiVersion = this.apiVersion;
    obj.kind = this.info.kind;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw badRequest(`metadata must be an object`);
    const m = obj.metadata;
    if (this.info.namespaced) {
      if (m.namespace && ns && m.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      if (ns) m.namespace = ns;
    } else if (m.namespace) {
      delete m.namespace; // cluster-scoped objects carry no namespace
    }
    if (name !== undefined && m.name && m.name !== name) throw badRequest('the name of the object (' + m.name + ') does not match the name on the URL (' + name + ')');
    if (name !== undefined && !m.name) m.name = name;
  }

  async create(ns: string, body: any, ctx: RequestContext): Promise<any> {
    this.checkBody(ns, body);
    const obj = body;
    checkAndDefault(this, obj, ctx);
    const m = obj.metadata;
    if (!m.name && m.generateName) m.name = generateName(m.generateName);
    if (this.opts.namespaceGuard && this.info.namespaced) await this.opts.namespaceGuard(ns, 'CREATE');
    if (this.opts.writeGuard) await this.opts.writeGuard('CREATE', ns, obj, null, ctx);
    fillCreateMeta(obj);
    if (this.tracksGeneration) m.generation = 1; else delete m.generation;
    // With a status subresource, status is not the creator's to set (Kubernetes' PrepareForCreate).
    if (this.info.subresources?.status && !this.strategy.keepsStatusOnCreate) { if (this.info.custom) delete obj.status; else obj.status = {}; }
    this.strategy.prepareForCreate?.(obj, ctx);
    trackUpdate(this, null, obj, ctx, '');
    await ctx.admission.admit(this.attrs('CREATE', ns, m.name ?? '', obj, null, ctx));
    this.traced(ctx.trace, 'validation', () => validateObject(this, obj, ctx));
    await ctx.admission.validate(this.attrs('CREATE', ns, m.name, obj, null, ctx));
    if (ctx.dryRun) {
      const existing = await this.storage.get(this.key(ns, m.name));
      if (existing) throw alreadyExists(this.group, this.resource, m.name);
      return obj;
    }
    // The server's own write, like resourceVersion: after managedFields, so no manager owns it.
    if (ctx.trace && this.stamps && shouldStamp(obj, null)) stampOrClear(obj, ctx.trace);
    const key = this.key(ns, m.name);
    // A generated name is known only now: the request span names the object it made.
    if (ctx.trace?.recording) ctx.trace.span.setAttribute('name', m.name);
    const ws = ctx.trace?.child('storage.write', { driver: this.storage.driver, key });
    let kv: KeyValue;
    try { kv = await this.storage.create(key, this.codec.encode(obj, key)); } catch (e) { ws?.end(); this.mapStorageError(e, m.name); }
    ws?.end();
    if (ctx.trace?.recording) fanoutTracker.expect(ctx.trace.tracer, ctx.trace.sc, key, kv.modRevision);
    m.resourceVersion = String(kv.modRevision);
    return obj;
  }

  /**
   * Read-modify-write with compare-and-swap, retried on conflicts unless the caller pinned a
   * resourceVersion (then a conflict is the client's 409). Mirrors GuaranteedUpdate.
   */
  async guaranteedUpdate(ns: string, name: string, tryUpdate: (cur: any) => Promise<any> | any, opts: { pinnedRV?: string; dryRun?: boolean; trace?: RequestTrace; stamp?: boolean } = {}): Promise<{ obj: any; old: any; changed: boolean }> {
    const key = this.key(ns, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.getKV(ns, name);
      const cur = this.codec.decode(kv);
      if (opts.pinnedRV && opts.pinnedRV !== cur.metadata.resourceVersion) throw staleObject(this.group, this.resource, name);
      const old = deepCopy(cur); // tryUpdate may change cur; old stays as stored
      const next = await tryUpdate(cur);
      if (deepEqual(next, old)) return { obj: old, old, changed: false };
      if (opts.dryRun) return { obj: next, old, changed: true };
      if (this.finalizeIfDone(next)) {
        try { await this.storage.delete(key, kv.modRevision); return { obj: next, old, changed: true }; } catch (e) {
          if (e instanceof StorageError && e.code === 'Conflict' && !opts.pinnedRV && attempt < 16) continue;
          this.mapStorageError(e, name);
        }
      }
      // Stamped only now that the object is known to change: a no-op update stays a no-op.
      const t = opts.trace;
      if (t && opts.stamp && this.stamps && shouldStamp(next, old)) stampOrClear(next, t);
      const ws = t?.child('storage.write', { driver: this.storage.driver, key });
      try {
        const nkv = await this.storage.update(key, this.codec.encode(next, key), kv.modRevision);
        ws?.end();
        if (t?.recording) fanoutTracker.expect(t.tracer, t.sc, key, nkv.modRevision);
        next.metadata.resourceVersion = String(nkv.modRevision);
        return { obj: next, old, changed: true };
      } catch (e) {
        ws?.setAttribute('error', String((e as Error)?.message ?? e));
        ws?.end();
        if (e instanceof StorageError && e.code === 'Conflict' && !opts.pinnedRV && attempt < 16) continue;
        this.mapStorageError(e, name);
      }
    }
  }

  /** Whether writes of this kind carry the trace annotation (not Leases, Events). */
  private get stamps(): boolean { return this.stampsKind ??= isStampedResource(this.group, this.resource); }
  private stampsKind?: boolean;

  /** Run a synchronous stage inside a span of the request's trace. */
  private traced<T>(t: RequestTrace | undefined, name: string, fn: () => T): T {
    if (!t?.recording) return fn();
    const s = t.child(name);
    try { return fn(); } finally { s.end(); }
  }

  /** A subresource that reads and writes the object itself (certificatesigningrequests/approval). */
  isObjectView(sub: string): boolean {
    return !!sub && !!this.info.extraSubresources?.some((x) => x.name === sub && x.kind.kind === this.info.kind && x.kind.group === this.info.group);
  }

  /** An object being deleted whose last finalizer is gone (and no grace period left) is removed. */
  private finalizeIfDone(obj: any): boolean {
    const m = obj.metadata;
    return !!m.deletionTimestamp && !(m.finalizers?.length) && !(m.deletionGracePeriodSeconds > 0) && !this.strategy.blocksDeletion?.(obj);
  }

  /** PUT of the whole object (or of its status with subresource 'status'). */
  async update(ns: string, name: string, body: any, ctx: RequestContext, sub = ''): Promise<{ obj: any; created: boolean }> {
    this.checkBody(ns, body, name);
    const pinned = body.metadata.resourceVersion ? String(body.metadata.resourceVersion) : undefined;
    checkAndDefault(this, body, ctx);
    let created = false;
    try {
      const r = await this.guaranteedUpdate(ns, name, async (cur) => this.prepareUpdate(ns, name, body, cur, ctx, sub), { pinnedRV: pinned, dryRun: ctx.dryRun, trace: ctx.trace, stamp: !sub });
      return { obj: r.obj, created };
    } catch (e) {
      if (e instanceof StatusError && e.code === 404 && this.strategy.allowCreateOnUpdate && !sub) {
        created = true;
        return { obj: await this.create(ns, body, ctx), created };
      }
      throw e;
    }
  }

  /** Turn the submitted object into the next stored state given the current one. */
  async prepareUpdate(ns: string, name: string, submitted: any, cur: any, ctx: RequestContext, sub: string): Promise<any> {
    let obj = deepCopy(submitted);
    carryPending(submitted, obj);
    const old = cur;
    const m = obj.metadata;
    // Fields the server owns carry over from the stored object.
    m.uid = old.metadata.uid;
    m.creationTimestamp = old.metadata.creationTimestamp;
    m.resourceVersion = old.metadata.resourceVersion;
    if (old.metadata.deletionTimestamp) m.deletionTimestamp = old.metadata.deletionTimestamp; else delete m.deletionTimestamp;
    if (old.metadata.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds; else delete m.deletionGracePeriodSeconds;
    if (this.tracksGeneration) m.generation = old.metadata.generation ?? 1; else delete m.generation;
    if (sub === 'finalize') {
      // Namespaces' finalize subresource changes spec.finalizers only.
      const next = deepCopy(old);
      next.spec = { ...(old.spec ?? {}), finalizers: obj.spec?.finalizers ?? [] };
      obj = next;
    } else if (sub === 'status' || this.isObjectView(sub)) {
      // The status subresource changes status only (and metadata labels/annotations are kept from old);
      // so do views of the object such as CSRs' approval (the strategy narrows what they may change).
      const next = deepCopy(old);
      next.status = obj.status;
      next.metadata.managedFields = obj.metadata.managedFields ?? old.metadata.managedFields;
      carryPending(obj, next);
      obj = next;
    } else if (this.info.subresources?.status) {
      if (old.status === undefined) delete obj.status; else obj.status = old.status;
    }
    if (!sub) this.strategy.prepareForUpdate?.(obj, old);
    else if (sub !== 'finalize') this.strategy.prepareForSubresourceUpdate?.(obj, old, sub);
    if (this.tracksGeneration && sub !== 'status' && specChanged(obj, old)) obj.metadata.generation = (old.metadata.generation ?? 1) + 1;
    if (old.metadata.deletionTimestamp) {
      // Once deleting, only removing finalizers is allowed; adding new ones is refused.
      const added = (obj.metadata.finalizers ?? []).filter((f: string) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length) throw invalidError(this.group, this.info.kind, name, [{ type: 'FieldValueForbidden', field: 'metadata.finalizers', detail: 'no new finalizers can be added if the object is being deleted, found new finalizers ' + JSON.stringify(added) }]);
    }
    if (this.opts.writeGuard && !sub) await this.opts.writeGuard('UPDATE', ns, obj, old, ctx);
    trackUpdate(this, old, obj, ctx, sub);
    await ctx.admission.admit(this.attrs('UPDATE', ns, name, obj, old, ctx, sub));
    this.traced(ctx.trace, 'validation', () => validateObjectUpdate(this, obj, old, ctx, sub));
    await ctx.admission.validate(this.attrs('UPDATE', ns, name, obj, old, ctx, sub));
    return obj;
  }

  async delete(ns: string, name: string, opts: DeleteOptions, ctx: RequestContext): Promise<DeleteResult> {
    const key = this.key(ns, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.getKV(ns, name);
      const cur = this.codec.decode(kv);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== cur.metadata.uid) {
        throw conflict(this.group, this.resource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
        throw conflict(this.group, this.resource, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`);
      }
      if (this.opts.namespaceGuard && this.info.namespaced) await this.opts.namespaceGuard(ns, 'DELETE');
      // Kubernetes runs both admission phases on DELETE (mutating plugins see no object to change).
      const delAttrs = this.attrs('DELETE', ns, name, null, cur, ctx);
      await ctx.admission.admit(delAttrs);
      await ctx.admission.validate(delAttrs);
      const next = deepCopy(cur);
      const m = next.metadata;
      let grace = opts.gracePeriodSeconds ?? (m.deletionGracePeriodSeconds ?? this.strategy.defaultGracePeriod?.(cur) ?? 0);
      if (grace < 0) grace = 0;
      const finalizers: string[] = [...(m.finalizers ?? [])];
      const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
      if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      if (policy && policy !== 'Orphan') { const i = finalizers.indexOf('orphan'); if (i >= 0) finalizers.splice(i, 1); }
      if (finalizers.length === 0 && grace === 0 && !this.strategy.blocksDeletion?.(cur)) {
        if (ctx.dryRun) return { obj: cur, deleted: true };
        try {
          await this.storage.delete(key, kv.modRevision);
          return { obj: cur, deleted: true };
        } catch (e) {
          if (e instanceof StorageError && e.code === 'Conflict' && !pre?.resourceVersion && attempt < 16) continue;
          this.mapStorageError(e, name);
        }
      }
      // Graceful or finalized deletion: mark the object and leave it for its finalizers / kubelet.
      if (m.deletionTimestamp && (m.deletionGracePeriodSeconds ?? 0) <= grace && deepEqual(finalizers, m.finalizers ?? [])) {
        return { obj: cur, deleted: false };
      }
      const now = Date.now();
      if (!m.deletionTimestamp || grace < (m.deletionGracePeriodSeconds ?? 0)) {
        m.deletionTimestamp = new Date(now + grace * 1000).toISOString().slice(0, 19) + 'Z';
      }
      m.deletionGracePeriodSeconds = grace;
      if (finalizers.length) m.finalizers = finalizers;
      this.strategy.prepareForDelete?.(next);
      if (ctx.dryRun) return { obj: next, deleted: false };
      try {
        const nkv = await this.storage.update(key, this.codec.encode(next, key), kv.modRevision);
        m.resourceVersion = String(nkv.modRevision);
        return { obj: next, deleted: false };
      } catch (e) {
        if (e instanceof StorageError && e.code === 'Conflict' && !pre?.resourceVersion && attempt < 16) continue;
        this.mapStorageError(e, name);
      }
    }
  }

  /** The objects' field-selector attributes. */
  fieldAttrs(obj: any): Record<string, string> {
    const m = obj.metadata ?? {};
    const base: Record<string, string> = { 'metadata.name': m.name ?? '', 'metadata.namespace': m.namespace ?? '' };
    return this.strategy.fieldAttrs ? { ...base, ...this.strategy.fieldAttrs(obj) } : base;
  }
}

export type { FieldError };
export { nowRFC3339 };

/** The request's context on the object it changes, or no annotation when the change is not traced. */
function stampOrClear(obj: any, t: RequestTrace): void {
  if (t.stamps) stampObject(obj, t.sc); else unstampObject(obj);
}
