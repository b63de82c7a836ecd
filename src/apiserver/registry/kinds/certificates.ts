/**
 * @module apiserver/registry/kinds/certificates
 * CertificateSigningRequests (Kubernetes' registry/certificates strategy and validation): the
 * requester's identity is stamped from the authenticated user on create; the spec never changes
 * after; the main resource changes only metadata, `/approval` only the Approved/Denied conditions,
 * `/status` only the certificate and the other conditions. The request must be a PKCS#10 whose
 * self-signature checks, and Approved/Denied/Failed conditions are True-only and never removed.
 */
import type { Strategy } from '../strategy.js';
import type { RequestContext } from '../context.js';
import { invalid, required, notSupported, duplicate, forbiddenField, type FieldError } from '../../../machinery/field-errors.js';
import { parseCSR, fromBase64 } from '../../pki/csr.js';
import { deepEqual } from '../object-meta.js';

export const APPROVAL_TYPES = ['Approved', 'Denied'];
const TRUE_ONLY = ['Approved', 'Denied', 'Failed'];

/** Key usages Kubernetes accepts in spec.usages. */
export const VALID_USAGES = ['signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment',
  'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection',
  's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc'];

const LEGACY_UNKNOWN = 'kubernetes.io/legacy-unknown';

/** ValidateSignerName: `<fully qualified domain>/<path>`. */
function signerNameErrors(name: unknown): FieldError[] {
  const f = 'spec.signerName';
  if (typeof name !== 'string' || name === '') return [required(f, '')];
  const parts = name.split('/');
  if (parts.length < 2) return [invalid(f, name, 'must be a fully qualified domain and path of the form \'example.com/signer-name\'')];
  const domain = parts[0];
  const path = parts.slice(1).join('/');
  const errs: FieldError[] = [];
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(domain)) errs.push(invalid(f, name, 'should be a domain with at least two segments separated by dots'));
  if (!path) errs.push(invalid(f, name, 'validating path: must not be empty'));
  if (name.length > 571) errs.push(invalid(f, name, 'must be no more than 571 characters'));
  return errs;
}

function certificateErrors(b64: string | undefined): FieldError[] {
  if (!b64) return [];
  const pem = fromBase64(b64);
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g)];
  const bad = (detail: string) => [invalid('status.certificate', '<certificate data>', detail)];
  if (!blocks.length) return bad('must contain at least one CERTIFICATE PEM block');
  const other = blocks.find((b) => b[1] !== 'CERTIFICATE');
  if (other) return bad(`only CERTIFICATE PEM blocks are allowed, found "${other[1]}"`);
  return [];
}

const conds = (csr: any, t: string) => (csr?.status?.conditions ?? []).filter((c: any) => c?.type === t);

function validateCSR(csr: any, old: any | undefined, sub: string): FieldError[] {
  const errs: FieldError[] = [];
  const spec = csr.spec ?? {};
  try { parseCSR(fromBase64(spec.request)); } catch (e) { errs.push(invalid('spec.request', spec.request, (e as Error).message)); }
  const usages: unknown[] = Array.isArray(spec.usages) ? spec.usages : [];
  if (!usages.length) errs.push(required('spec.usages', ''));
  const oldUnknown = (old?.spec?.usages ?? []).some((u: string) => !VALID_USAGES.includes(u));
  const seen = new Set<unknown>();
  usages.forEach((u, i) => {
    if (!oldUnknown && !VALID_USAGES.includes(u as string)) errs.push(notSupported(`spec.usages[${i}]`, u, [...VALID_USAGES].sort()));
    if (seen.has(u)) errs.push(duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  if (spec.signerName === LEGACY_UNKNOWN && old?.spec?.signerName !== LEGACY_UNKNOWN) errs.push(invalid('spec.signerName', spec.signerName, 'the legacy signerName is not allowed via this API version'));
  else errs.push(...signerNameErrors(spec.signerName));
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null && spec.expirationSeconds < 600) {
    errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  let approved = false, denied = false;
  const types = new Set<string>();
  (csr.status?.conditions ?? []).forEach((c: any, i: number) => {
    const f = `status.conditions[${i}]`;
    if (!c?.type) errs.push(required(`${f}.type`, ''));
    const allowed = TRUE_ONLY.includes(c?.type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c?.status) errs.push(required(`${f}.status`, ''));
    else if (!allowed.includes(c.status)) errs.push(notSupported(`${f}.status`, c.status, allowed));
    if (c?.type === 'Approved') { approved = true; if (denied) errs.push(invalid(`${f}.type`, c.type, 'Approved and Denied conditions are mutually exclusive')); }
    if (c?.type === 'Denied') { denied = true; if (approved) errs.push(invalid(`${f}.type`, c.type, 'Approved and Denied conditions are mutually exclusive')); }
    if (types.has(c?.type)) errs.push(duplicate(`${f}.type`, c.type));
    types.add(c?.type);
  });
  const certChanged = (csr.status?.certificate ?? '') !== (old?.status?.certificate ?? '');
  if (certChanged) errs.push(...certificateErrors(csr.status?.certificate));
  if (old) {
    for (const t of TRUE_ONLY) {
      if (conds(csr, t).length < conds(old, t).length) errs.push(forbiddenField('status.conditions', `updates may not remove a condition of type "${t}"`));
    }
    if (sub !== 'approval') {
      for (const t of APPROVAL_TYPES) {
        const n = conds(csr, t), o = conds(old, t);
        if (n.length > o.length) errs.push(forbiddenField('status.conditions', `updates may not add a condition of type "${t}"`));
        else if (n.length === o.length && !deepEqual(n, o)) errs.push(forbiddenField('status.conditions', `updates may not modify a condition of type "${t}"`));
      }
    }
    if (certChanged) {
      if (sub !== 'status') errs.push(forbiddenField('status.certificate', 'updates may not set certificate content'));
      else if (old.status?.certificate) errs.push(forbiddenField('status.certificate', 'updates may not modify existing certificate content'));
    }
  }
  return errs;
}

/** Conditions get lastUpdateTime/lastTransitionTime from the server when the client sets none. */
function populateConditionTimestamps(csr: any, old: any | undefined): void {
  const now = new Date().toISOString().slice(0, 19) + 'Z';
  for (const c of csr.status?.conditions ?? []) {
    if (!c) continue;
    c.lastUpdateTime ??= now;
    if (!c.lastTransitionTime) {
      const before = (old?.status?.conditions ?? []).find((o: any) => o?.type === c.type);
      c.lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
    }
  }
}

export const csrStrategy: Strategy = {
  prepareForCreate(obj: any, ctx?: RequestContext) {
    obj.status = {};
    const spec = (obj.spec ??= {});
    // Who asked comes from authentication, never from the body.
    const u = ctx?.user;
    delete spec.username; delete spec.uid; delete spec.groups; delete spec.extra;
    if (u) {
      spec.username = u.name;
      if (u.uid) spec.uid = u.uid;
      if (u.groups?.length) spec.groups = [...u.groups];
      if (u.extra && Object.keys(u.extra).length) spec.extra = structuredClone(u.extra);
    }
  },
  prepareForUpdate(obj: any, old: any) {
    obj.spec = structuredClone(old.spec);
    if (old.status === undefined) delete obj.status; else obj.status = structuredClone(old.status);
  },
  prepareForSubresourceUpdate(obj: any, old: any, sub: string) {
    obj.spec = structuredClone(old.spec);
    if (sub === 'approval') {
      // Only Approved/Denied conditions come from the request; everything else stays.
      const keep = (old.status?.conditions ?? []).filter((c: any) => !APPROVAL_TYPES.includes(c?.type));
      const mine = (obj.status?.conditions ?? []).filter((c: any) => APPROVAL_TYPES.includes(c?.type));
      obj.status = { ...(old.status ?? {}), conditions: [...mine, ...keep] };
      if (!obj.status.conditions.length) delete obj.status.conditions;
    }
    populateConditionTimestamps(obj, old);
  },
  validate: (obj) => validateCSR(obj, undefined, ''),
  validateUpdate: (obj, old, sub = '') => validateCSR(obj, old, sub),
  fieldAttrs: (obj) => ({ 'spec.signerName': obj.spec?.signerName ?? '' }),
};
