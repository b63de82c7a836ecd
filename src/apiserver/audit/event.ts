/**
 * @module apiserver/audit/event
 * The audit Event (audit.k8s.io/v1) and the pieces it is built from. Fields are laid out in the
 * order Kubernetes serializes them, optional ones left out when empty, so log lines read like a real
 * kube-apiserver's and tools that parse those logs work unchanged. Timestamps are metav1.MicroTime.
 */
import { isIP } from 'node:net';
import type { UserInfo } from '../registry/context.js';
import type { AuditAttributes, Level, Stage } from './policy.js';

/** authentication/v1 UserInfo as the audit log writes it. */
export interface AuditUser { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }

export interface ObjectReference {
  resource?: string; namespace?: string; name?: string; uid?: string;
  apiGroup?: string; apiVersion?: string; resourceVersion?: string; subresource?: string;
}

/** metav1.Status as copied into responseStatus (only its bounded fields). */
export interface ResponseStatus {
  metadata: Record<string, never>;
  status?: string; message?: string; reason?: string; details?: unknown; code?: number;
}

export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: Level;
  auditID: string;
  stage: Stage;
  requestURI: string;
  verb: string;
  user: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** Now, in milliseconds with a sub-millisecond fraction (Date.now() has only milliseconds). */
export function nowMillis(): number {
  return performance.timeOrigin + performance.now();
}

/** metav1.MicroTime: RFC 3339 in UTC with exactly six fractional digits: `2026-11-28T10:00:00.123456Z`. */
export function microTime(t: number | Date = nowMillis()): string {
  const ms = typeof t === 'number' ? t : t.getTime();
  const micros = Math.floor(ms * 1000);
  const secs = Math.floor(micros / 1e6);
  const frac = micros - secs * 1e6;
  return `${new Date(secs * 1000).toISOString().slice(0, 19)}.${String(frac).padStart(6, '0')}Z`;
}

/** A UserInfo as audit writes it; undefined (failed authentication) is the empty user `{}`. */
export function auditUser(u: Partial<UserInfo> | undefined): AuditUser {
  if (!u) return {};
  const out: AuditUser = {};
  if (u.name) out.username = u.name;
  if (u.uid) out.uid = u.uid;
  if (u.groups?.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) out.extra = { ...u.extra };
  return out;
}

/** The objectRef of a resource request; none for non-resource requests. */
export function objectRefFor(a: AuditAttributes): ObjectReference | undefined {
  if (!a.isResourceRequest) return undefined;
  const ref: ObjectReference = {};
  if (a.resource) ref.resource = a.resource;
  if (a.namespace) ref.namespace = a.namespace;
  if (a.name) ref.name = a.name;
  if (a.apiGroup) ref.apiGroup = a.apiGroup;
  if (a.apiVersion) ref.apiVersion = a.apiVersion;
  if (a.subresource) ref.subresource = a.subresource;
  return ref;
}

/** objectRef in Kubernetes' field order, empty fields left out. */
export function orderedObjectRef(r: ObjectReference): ObjectReference {
  const out: ObjectReference = {};
  for (const k of ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'] as const) {
    if (r[k]) out[k] = r[k];
  }
  return out;
}

/** A copy of an object (or of every item of a list) without metadata.managedFields. */
export function withoutManagedFields(obj: any): any {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return obj;
  const strip = (o: any): any => {
    if (!o?.metadata?.managedFields) return o;
    const { managedFields: _drop, ...meta } = o.metadata;
    return { ...o, metadata: meta };
  };
  const top = strip(obj);
  if (Array.isArray(obj.items)) return { ...top, items: obj.items.map(strip) };
  return top;
}

/** The event as one JSON document, fields in Kubernetes' order. */
export function serializeEvent(e: AuditEvent): string {
  const o: Record<string, unknown> = {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: e.level, auditID: e.auditID, stage: e.stage,
    requestURI: e.requestURI, verb: e.verb, user: e.user,
  };
  if (e.impersonatedUser) o.impersonatedUser = e.impersonatedUser;
  if (e.sourceIPs?.length) o.sourceIPs = e.sourceIPs;
  if (e.userAgent) o.userAgent = e.userAgent;
  if (e.objectRef) o.objectRef = orderedObjectRef(e.objectRef);
  if (e.responseStatus) {
    const s = e.responseStatus;
    const rs: Record<string, unknown> = { metadata: {} };
    if (s.status) rs.status = s.status;
    if (s.message) rs.message = s.message;
    if (s.reason) rs.reason = s.reason;
    if (s.details) rs.details = s.details;
    if (s.code) rs.code = s.code;
    o.responseStatus = rs;
  }
  if (e.requestObject !== undefined) o.requestObject = e.requestObject;
  if (e.responseObject !== undefined) o.responseObject = e.responseObject;
  o.requestReceivedTimestamp = e.requestReceivedTimestamp;
  o.stageTimestamp = e.stageTimestamp;
  if (e.annotations && Object.keys(e.annotations).length) o.annotations = e.annotations;
  return JSON.stringify(o);
}

/** Header value (or list) as one string, or undefined. */
function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** An IP as Go prints it (IPv4-mapped IPv6 as plain IPv4), or undefined when it is not an IP. */
function parseIP(s: string | undefined): string | undefined {
  const t = s?.trim().replace(/^\[(.*)\]$/, '$1');
  if (!t || !isIP(t)) return undefined;
  return t.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').toLowerCase();
}

/**
 * utilnet.SourceIPs: the X-Forwarded-For chain, X-Real-Ip unless already in it, then the peer
 * address unless it is the chain's last entry. Only the peer address is not client-controlled.
 */
export function sourceIPs(headers: Record<string, string | string[] | undefined>, remoteAddress?: string): string[] {
  const ips: string[] = [];
  for (const part of (header(headers, 'x-forwarded-for') ?? '').split(',')) {
    const ip = parseIP(part);
    if (ip) ips.push(ip);
  }
  const real = parseIP(header(headers, 'x-real-ip'));
  if (real && !ips.includes(real)) ips.push(real);
  const remote = parseIP(remoteAddress);
  if (remote && ips[ips.length - 1] !== remote) ips.push(remote);
  return ips;
}

/**
 * The responseStatus message of a failed authentication (getAuthMethods): which kinds of
 * credentials the request carried.
 */
export function authenticationFailedMessage(req: { headers: Record<string, string | string[] | undefined>; url?: string }, clientCertificate = false): string {
  const methods: string[] = [];
  const auth = (header(req.headers, 'authorization') ?? '').trim();
  const parts = auth.split(' ');
  if (/^basic$/i.test(parts[0] ?? '') && parts.length > 1) methods.push('basic');
  if (parts.length > 1 && parts[0].toLowerCase() === 'bearer') methods.push('bearer');
  const q = (req.url ?? '').indexOf('?');
  if (q >= 0 && (new URLSearchParams(req.url!.slice(q + 1)).get('access_token') ?? '').trim()) methods.push('access_token');
  if (clientCertificate) methods.push('x509');
  return methods.length ? `Authentication failed, attempted: ${methods.join(', ')}` : 'Authentication failed, no credentials provided';
}
