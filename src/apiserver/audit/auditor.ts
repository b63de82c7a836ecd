/**
 * @module apiserver/audit/auditor
 * Auditing one request, as Kubernetes' audit filters do (endpoints/filters/audit.go,
 * authn_audit.go). `begin` runs after authentication: the policy decides the level from the
 * (original, not impersonated) user and the request, and RequestReceived is logged. The handler
 * then fills in objects, annotations and the status, and `end` logs ResponseComplete. Long-running
 * requests (watch, exec, logs -f) also log ResponseStarted when their headers go out. A request
 * that fails authentication never reaches `begin`: `failedAuthentication` logs it as Kubernetes
 * does, with a single ResponseStarted event, code 401, the empty user, and a message naming the
 * kinds of credentials tried.
 */
import { randomUUID } from 'node:crypto';
import type { UserInfo } from '../registry/context.js';
import type { Req } from '../endpoints/response.js';
import {
  auditUser, microTime, nowMillis, objectRefFor, sourceIPs, withoutManagedFields,
  type AuditEvent, type ResponseStatus,
} from './event.js';
import type { AuditSink } from './log.js';
import { levelLess, PolicyRuleEvaluator, type AuditAttributes, type Level, type Policy, type Stage } from './policy.js';

export const DECISION_ANNOTATION = 'authorization.k8s.io/decision';
export const REASON_ANNOTATION = 'authorization.k8s.io/reason';
/** The request and response header carrying the audit ID. */
export const AUDIT_ID_HEADER = 'Audit-Id';

/** What the audit event needs from the HTTP request besides the authorizer attributes. */
export interface AuditRequestMeta {
  /** Path and query as received. */
  requestURI: string;
  userAgent?: string;
  sourceIPs?: string[];
  /** The client's Audit-ID header, reused as the audit ID when present. */
  auditID?: string;
  /** When the request arrived, in ms since the epoch (fraction allowed); default now. */
  receivedAt?: number;
  /** Watch, exec, attach, port-forward, proxy, logs with follow: ResponseStarted is logged too. */
  longRunning?: boolean;
}

/** The AuditRequestMeta of a Node request. */
export function requestMetaOf(req: Req, longRunning = false): AuditRequestMeta {
  const h = req.headers as Record<string, string | string[] | undefined>;
  const id = h['audit-id'];
  const ua = h['user-agent'];
  return {
    requestURI: req.url ?? '/',
    userAgent: typeof ua === 'string' ? ua : undefined,
    sourceIPs: sourceIPs(h, req.socket?.remoteAddress),
    auditID: typeof id === 'string' && id.trim() ? id.trim() : undefined,
    receivedAt: nowMillis(),
    longRunning,
  };
}

/** A Status (or its bounded fields) to copy into responseStatus. */
export type StatusLike = { status?: string; message?: string; reason?: string; details?: unknown; code?: number };

function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

/** The audit state of one request (audit.AuditContext). Every method is a no-op when not enabled. */
export class AuditContext {
  readonly auditID: string;
  readonly level: Level;
  readonly enabled: boolean;
  private readonly event?: AuditEvent;
  private done = false;
  private started = false;
  private readonly longRunning: boolean;

  constructor(private readonly sink: AuditSink | undefined, attrs: AuditAttributes, meta: AuditRequestMeta,
              level: Level, private readonly omitStages: readonly Stage[] = [], private readonly omitManagedFields = false) {
    this.auditID = meta.auditID || randomUUID();
    this.level = level;
    this.enabled = level !== 'None' && sink !== undefined;
    this.longRunning = !!meta.longRunning;
    if (!this.enabled) return;
    const received = microTime(meta.receivedAt ?? nowMillis());
    this.event = {
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level, auditID: this.auditID, stage: 'RequestReceived',
      requestURI: meta.requestURI, verb: attrs.verb, user: auditUser(attrs.user),
      sourceIPs: meta.sourceIPs, userAgent: meta.userAgent, objectRef: objectRefFor(attrs),
      requestReceivedTimestamp: received, stageTimestamp: received,
    };
  }

  setUser(user: Partial<UserInfo> | undefined): void { if (this.event) this.event.user = auditUser(user); }
  setImpersonatedUser(user: Partial<UserInfo>): void { if (this.event) this.event.impersonatedUser = auditUser(user); }

  /**
   * The decoded request body (or a patch). Its metadata completes objectRef at every level; the
   * body itself is kept at Request and above, as first given (before defaulting and admission).
   */
  setRequestObject(obj: unknown): void {
    const ev = this.event;
    if (!ev) return;
    let o = obj;
    if (typeof o === 'string' || Buffer.isBuffer(o)) {
      const text = o.toString();
      try { o = JSON.parse(text); } catch { o = text; }
    }
    const meta = (o as any)?.metadata;
    if (ev.objectRef && meta && typeof meta === 'object') {
      const ref = ev.objectRef;
      if (!ref.namespace && meta.namespace) ref.namespace = meta.namespace;
      if (!ref.name && meta.name) ref.name = meta.name;
      if (!ref.uid && meta.uid) ref.uid = meta.uid;
      if (!ref.resourceVersion && meta.resourceVersion) ref.resourceVersion = meta.resourceVersion;
    }
    if (levelLess(this.level, 'Request') || ev.requestObject !== undefined) return;
    ev.requestObject = clone(this.omitManagedFields ? withoutManagedFields(o) : o);
  }

  /** The response body. A Status fills responseStatus; the body is kept at RequestResponse. */
  setResponseObject(obj: unknown): void {
    const ev = this.event;
    if (!ev) return;
    const o = obj as any;
    if (o && typeof o === 'object' && o.kind === 'Status' && o.metadata !== undefined) this.copyStatus(o);
    if (levelLess(this.level, 'RequestResponse')) return;
    ev.responseObject = clone(this.omitManagedFields ? withoutManagedFields(obj) : obj);
  }

  /** audit.AddAuditAnnotation: the first value set for a key stays. */
  annotate(key: string, value: string): void {
    const ev = this.event;
    if (!ev) return;
    ev.annotations ??= {};
    if (!(key in ev.annotations)) ev.annotations[key] = value;
  }

  /** The authorizer's answer, as WithAuthorization records it (the reason may be empty). */
  annotateAuthorization(allowed: boolean, reason = ''): void {
    this.annotate(DECISION_ANNOTATION, allowed ? 'allow' : 'forbid');
    this.annotate(REASON_ANNOTATION, reason);
  }

  /** Headers are going out: logs ResponseStarted for long-running requests only (as Kubernetes). */
  responseStarted(code: number): void {
    const ev = this.event;
    if (!ev || this.started || this.done) return;
    this.started = true;
    ev.responseStatus = { ...(ev.responseStatus ?? { metadata: {} }), code };
    if (this.longRunning) this.emit('ResponseStarted');
  }

  /** The response is complete: logs ResponseComplete with the code (and the Status of an error). */
  end(code: number, status?: StatusLike): void {
    const ev = this.event;
    if (!ev || this.done) return;
    if (this.longRunning && !this.started) this.responseStarted(code);
    this.done = true;
    if (status) this.copyStatus(status);
    ev.responseStatus = { ...(ev.responseStatus ?? { metadata: {} }), code };
    this.emit('ResponseComplete');
  }

  /** The handler threw unexpectedly (a Go panic): logs the Panic stage instead of ResponseComplete. */
  panic(err: unknown): void {
    const ev = this.event;
    if (!ev || this.done) return;
    this.done = true;
    const msg = err instanceof Error ? err.message : String(err);
    ev.responseStatus = { metadata: {}, status: 'Failure', message: `APIServer panic'd: ${msg}`, reason: 'InternalError', code: 500 };
    this.emit('Panic');
  }

  private copyStatus(s: StatusLike): void {
    const rs: ResponseStatus = { metadata: {}, status: s.status, message: s.message, reason: s.reason, details: clone(s.details), code: s.code };
    this.event!.responseStatus = rs;
  }

  /** @internal The one event of a request refused by authentication. */
  emitFailedAuthentication(message: string, code: number): void {
    if (!this.event || this.done) return;
    this.done = true;
    this.event.responseStatus = { metadata: {}, message, code };
    this.emit('ResponseStarted');
  }

  /** @internal */
  emit(stage: Stage): void {
    const ev = this.event!;
    if (this.omitStages.includes(stage) || !this.sink) return;
    ev.stage = stage;
    ev.stageTimestamp = stage === 'RequestReceived' ? ev.requestReceivedTimestamp : microTime();
    try {
      this.sink.processEvent({ ...ev, objectRef: ev.objectRef && { ...ev.objectRef }, annotations: ev.annotations && { ...ev.annotations } });
    } catch (e) {
      console.error('skiff apiserver: audit sink failed:', e);
    }
  }
}

/** The audit policy and a sink together: what the server holds when auditing is on. */
export class Auditor {
  readonly evaluator: PolicyRuleEvaluator;

  constructor(policy: Policy | PolicyRuleEvaluator, readonly sink: AuditSink) {
    this.evaluator = policy instanceof PolicyRuleEvaluator ? policy : new PolicyRuleEvaluator(policy);
  }

  /** Start auditing an authenticated request; logs RequestReceived unless the rule omits it. */
  begin(attrs: AuditAttributes, meta: AuditRequestMeta): AuditContext {
    const c = this.evaluator.levelFor(attrs);
    const ctx = new AuditContext(this.sink, attrs, meta, c.level, c.omitStages, c.omitManagedFields);
    if (ctx.enabled) ctx.emit('RequestReceived');
    return ctx;
  }

  /**
   * A request refused by authentication (WithFailedAuthenticationAudit): attrs without a user, so
   * only rules naming no users or groups match; one ResponseStarted event with the code.
   * `message` is authenticationFailedMessage(req). Returns the audit ID for the Audit-Id header.
   */
  failedAuthentication(attrs: AuditAttributes, meta: AuditRequestMeta, message: string, code = 401): string {
    const c = this.evaluator.levelFor({ ...attrs, user: undefined });
    const ctx = new AuditContext(this.sink, { ...attrs, user: undefined }, meta, c.level, c.omitStages, c.omitManagedFields);
    ctx.emitFailedAuthentication(message, code);
    return ctx.auditID;
  }
}

/** An AuditContext that records nothing: for servers without --audit-policy-file. */
export function disabledAuditContext(meta?: Pick<AuditRequestMeta, 'auditID'>): AuditContext {
  return new AuditContext(undefined, { verb: '', isResourceRequest: false, path: '' }, { requestURI: '', auditID: meta?.auditID }, 'None');
}
