/**
 * @module apiserver/admission/webhook/request
 * The AdmissionReview v1 a webhook receives, and what its answer may say: allowed or not (with
 * a Status), a base64 JSONPatch, warnings and audit annotations.
 */
import { randomUUID } from 'node:crypto';
import type { AdmissionAttributes } from '../../registry/context.js';

export function admissionReview(a: AdmissionAttributes): { uid: string; body: any } {
  const uid = randomUUID();
  const gvk = { group: a.group, version: a.version, kind: a.subresource === 'scale' ? 'Scale' : a.kind };
  const gvr = { group: a.group, version: a.version, resource: a.resource };
  const optionsKind = a.operation === 'CREATE' ? 'CreateOptions' : a.operation === 'UPDATE' ? 'UpdateOptions' : a.operation === 'DELETE' ? 'DeleteOptions' : undefined;
  const request: any = {
    uid, kind: gvk, resource: gvr, ...(a.subresource ? { subResource: a.subresource } : {}),
    requestKind: gvk, requestResource: gvr, ...(a.subresource ? { requestSubResource: a.subresource } : {}),
    name: a.name || undefined, namespace: a.namespace || undefined, operation: a.operation,
    userInfo: { username: a.user.name, ...(a.user.uid ? { uid: a.user.uid } : {}), groups: a.user.groups, ...(a.user.extra ? { extra: a.user.extra } : {}) },
    object: a.object ?? null, oldObject: a.oldObject ?? null, dryRun: a.dryRun,
    options: optionsKind ? { apiVersion: 'meta.k8s.io/v1', kind: optionsKind, ...(a.options ?? {}) } : null,
  };
  return { uid, body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request } };
}

export interface WebhookAnswer {
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string };
  patch?: unknown[];
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** Check and read a webhook's AdmissionReview response; throws with a reason on anything malformed. */
export function readAnswer(body: any, uid: string): WebhookAnswer {
  if (!body || typeof body !== 'object') throw new Error('webhook response was absent');
  if (body.apiVersion !== 'admission.k8s.io/v1' || body.kind !== 'AdmissionReview') {
    throw new Error(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${body.apiVersion}, Kind=${body.kind}`);
  }
  const r = body.response;
  if (!r || typeof r !== 'object') throw new Error('webhook response was absent');
  if (r.uid !== uid) throw new Error(`expected response.uid="${uid}", got "${r.uid}"`);
  let patch: unknown[] | undefined;
  if (r.patch !== undefined && r.patch !== null && r.patch !== '') {
    if (r.patchType !== 'JSONPatch') throw new Error(`expected patchType "JSONPatch", got "${r.patchType ?? ''}"`);
    const decoded = JSON.parse(Buffer.from(String(r.patch), 'base64').toString('utf8'));
    if (!Array.isArray(decoded)) throw new Error('the patch is not a JSON array');
    patch = decoded;
  }
  return { allowed: r.allowed === true, status: r.status, patch,
    warnings: Array.isArray(r.warnings) ? r.warnings.map(String) : [],
    auditAnnotations: r.auditAnnotations && typeof r.auditAnnotations === 'object' ? r.auditAnnotations : {} };
}
