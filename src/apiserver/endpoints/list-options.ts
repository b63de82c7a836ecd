/**
 * @module apiserver/endpoints/list-options
 * ListOptions from the query string (labelSelector, fieldSelector, limit, continue,
 * resourceVersion, resourceVersionMatch, watch options), checked the way Kubernetes checks them.
 */
import { StatusError, badRequest, gone } from '../../machinery/status.js';
import { parseLabelSelector, parseFieldSelector, type Matcher } from '../registry/patchers.js';

export interface ListQuery {
  labelSelector?: Matcher;
  fieldSelector?: Matcher;
  limit: number;
  continueKey?: string;
  continueRv?: number;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
}

function invalidOpt(field: string, value: unknown, detail: string): StatusError {
  return new StatusError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${field}: Invalid value: ${JSON.stringify(value)}: ${detail}`,
    { kind: 'ListOptions', group: 'meta.k8s.io', causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}`, field }] });
}

function forbiddenOpt(field: string, detail: string): StatusError {
  return new StatusError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${field}: Forbidden: ${detail}`,
    { kind: 'ListOptions', group: 'meta.k8s.io', causes: [{ reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field }] });
}

export function parseListQuery(q: URLSearchParams, isWatch: boolean): ListQuery {
  const out: ListQuery = { limit: 0, allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true' };
  const ls = q.get('labelSelector');
  if (ls) {
    try { out.labelSelector = parseLabelSelector(ls); } catch (e) { throw badRequest((e as Error).message); }
  }
  const fs = q.get('fieldSelector');
  if (fs) {
    try { out.fieldSelector = parseFieldSelector(fs); } catch (e) { throw badRequest((e as Error).message); }
  }
  const limit = q.get('limit');
  if (limit) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid limit: ${limit}`);
    out.limit = n;
  }
  const rv = q.get('resourceVersion');
  if (rv !== null && rv !== '') {
    if (!/^[0-9]+$/.test(rv)) throw new StatusError(400, 'BadRequest', `invalid resource version: ${rv}`);
    out.resourceVersion = rv;
  }
  const rvm = q.get('resourceVersionMatch');
  if (rvm) {
    if (rvm !== 'NotOlderThan' && rvm !== 'Exact') throw invalidOpt('resourceVersionMatch', rvm, 'supported values: "Exact", "NotOlderThan"');
    if (!out.resourceVersion && !(isWatch && q.get('sendInitialEvents') === 'true')) throw invalidOpt('resourceVersionMatch', rvm, 'resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (rvm === 'Exact' && out.resourceVersion === '0') throw invalidOpt('resourceVersionMatch', rvm, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    out.resourceVersionMatch = rvm;
  }
  const cont = q.get('continue');
  if (cont) {
    if (out.resourceVersion && out.resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
    const t = decodeContinue(cont);
    out.continueKey = t.start;
    out.continueRv = t.rv;
  }
  const to = q.get('timeoutSeconds');
  if (to) {
    const n = Number(to);
    if (!Number.isFinite(n) || n < 0) throw badRequest(`invalid timeoutSeconds: ${to}`);
    out.timeoutSeconds = n;
  }
  const sie = q.get('sendInitialEvents');
  if (sie !== null) out.sendInitialEvents = sie === 'true';
  if (isWatch) {
    if (out.sendInitialEvents !== undefined && out.resourceVersionMatch !== 'NotOlderThan') {
      throw forbiddenOpt('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    }
    if (out.sendInitialEvents === undefined && out.resourceVersionMatch) {
      throw forbiddenOpt('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    }
  } else if (out.sendInitialEvents !== undefined) {
    throw forbiddenOpt('sendInitialEvents', 'sendInitialEvents is forbidden for list');
  }
  return out;
}

/** Continue tokens are Kubernetes' shape: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key after prefix>"}. */
export function encodeContinue(rv: number, startAfterKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: startAfterKey })).toString('base64url');
}

export function decodeContinue(token: string): { rv: number; start: string } {
  let t: any;
  try { t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')); } catch { t = null; }
  if (!t || t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string' || t.rv <= 0) {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (t.start.includes('..') || t.start.startsWith('/')) throw badRequest('continue key is not valid: path traversal');
  return { rv: t.rv, start: t.start };
}

export function continueTooOld(): StatusError {
  return gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
}
