/**
 * @module apiserver/endpoints/options
 * Write options from the query string and body: dryRun, fieldManager, fieldValidation, force,
 * and DeleteOptions (query or body).
 */
import { StatusError, badRequest } from '../../machinery/status.js';
import type { DeleteOptions } from '../registry/store.js';

function invalid(kind: string, field: string, value: unknown, detail: string): StatusError {
  return new StatusError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${field}: Unsupported value: ${JSON.stringify(value)}: ${detail}`,
    { kind, group: 'meta.k8s.io', causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(value)}: ${detail}`, field }] });
}

export function parseDryRun(q: URLSearchParams, kind = 'CreateOptions'): boolean {
  const all = q.getAll('dryRun');
  if (!all.length) return false;
  for (const v of all) if (v !== 'All') throw invalid(kind, 'dryRun', v, 'supported values: "All"');
  return true;
}

export function parseFieldValidation(q: URLSearchParams): 'Ignore' | 'Warn' | 'Strict' {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw badRequest(`fieldValidation must be one of Ignore, Warn, or Strict, got: ${v}`);
}

export function parseFieldManager(q: URLSearchParams): string | undefined {
  const v = q.get('fieldManager');
  if (v === null) return undefined;
  if (v.length > 128) throw new StatusError(422, 'Invalid', `fieldManager: Too long: may not be more than 128 bytes`, { causes: [{ reason: 'FieldValueTooLong', field: 'fieldManager' }] });
  if (/[^\x20-\x7e]/.test(v)) throw new StatusError(422, 'Invalid', `fieldManager: Invalid value: ${JSON.stringify(v)}: may only contain printable characters`, { causes: [{ reason: 'FieldValueInvalid', field: 'fieldManager' }] });
  return v;
}

export function parseForce(q: URLSearchParams): boolean | undefined {
  const v = q.get('force');
  if (v === null) return undefined;
  return v === 'true' || v === '1';
}

/** DeleteOptions from a JSON body (if any) overlaid by query parameters, as Kubernetes reads them. */
export function parseDeleteOptions(q: URLSearchParams, body: any): { opts: DeleteOptions; dryRun: boolean } {
  const opts: DeleteOptions = {};
  let dryRun = false;
  if (body && typeof body === 'object') {
    if (body.gracePeriodSeconds !== undefined && body.gracePeriodSeconds !== null) opts.gracePeriodSeconds = Number(body.gracePeriodSeconds);
    if (body.preconditions) opts.preconditions = body.preconditions;
    if (body.propagationPolicy) opts.propagationPolicy = body.propagationPolicy;
    if (typeof body.orphanDependents === 'boolean') opts.orphanDependents = body.orphanDependents;
    if (Array.isArray(body.dryRun) && body.dryRun.length) {
      for (const v of body.dryRun) if (v !== 'All') throw invalid('DeleteOptions', 'dryRun', v, 'supported values: "All"');
      dryRun = true;
    }
  }
  const g = q.get('gracePeriodSeconds');
  if (g !== null) {
    const n = Number(g);
    if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds: ${g}`);
    opts.gracePeriodSeconds = n;
  }
  const p = q.get('propagationPolicy');
  if (p !== null) opts.propagationPolicy = p as DeleteOptions['propagationPolicy'];
  const o = q.get('orphanDependents');
  if (o !== null) opts.orphanDependents = o === 'true';
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw invalid('DeleteOptions', 'propagationPolicy', opts.propagationPolicy, 'supported values: "Foreground", "Background", "Orphan", "nil"');
  }
  if (opts.propagationPolicy && opts.orphanDependents !== undefined) {
    throw new StatusError(422, 'Invalid', 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "' + opts.propagationPolicy + '": orphanDependents and deletionPropagation cannot be both set', { causes: [{ reason: 'FieldValueInvalid', field: 'propagationPolicy' }] });
  }
  if (q.getAll('dryRun').length) dryRun = parseDryRun(q, 'DeleteOptions');
  return { opts, dryRun };
}
