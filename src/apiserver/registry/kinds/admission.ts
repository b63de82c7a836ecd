/**
 * @module apiserver/registry/kinds/admission
 * Webhook configurations: what admissionregistration/v1 validation refuses (names, sideEffects,
 * admissionReviewVersions, https URLs, timeouts), with Kubernetes' field paths.
 */
import type { Strategy } from '../strategy.js';
import { invalid, required, type FieldError } from '../../../machinery/field-errors.js';

const QUALIFIED = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateWebhooks(obj: any, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (obj.webhooks ?? []).forEach((w: any, i: number) => {
    const p = `webhooks[${i}]`;
    if (!w?.name) errs.push(required(`${p}.name`));
    else {
      if (!QUALIFIED.test(w.name) || w.name.split('.').length < 3) errs.push(invalid(`${p}.name`, w.name, 'should be a domain with at least three segments separated by dots'));
      if (seen.has(w.name)) errs.push({ type: 'FieldValueDuplicate', field: `${p}.name`, value: w.name });
      seen.add(w.name);
    }
    if (w?.sideEffects === undefined) errs.push(required(`${p}.sideEffects`, 'must specify one of None, NoneOnDryRun'));
    else if (!['None', 'NoneOnDryRun'].includes(w.sideEffects)) errs.push({ type: 'FieldValueNotSupported', field: `${p}.sideEffects`, value: w.sideEffects, supported: ['None', 'NoneOnDryRun'] });
    const v = w?.admissionReviewVersions;
    if (!Array.isArray(v) || v.length === 0) errs.push(required(`${p}.admissionReviewVersions`, 'must specify one of v1, v1beta1'));
    else if (!v.some((x: string) => x === 'v1' || x === 'v1beta1')) errs.push(invalid(`${p}.admissionReviewVersions`, v, 'must include at least one of v1, v1beta1'));
    const cc = w?.clientConfig ?? {};
    if (!cc.url && !cc.service) errs.push(required(`${p}.clientConfig`, 'exactly one of url or service is required'));
    if (cc.url && cc.service) errs.push(required(`${p}.clientConfig`, 'exactly one of url or service is required'));
    if (cc.url) {
      let u: URL | undefined;
      try { u = new URL(cc.url); } catch { errs.push(invalid(`${p}.clientConfig.url`, cc.url, 'host must be specified')); }
      if (u && u.protocol !== 'https:') errs.push(invalid(`${p}.clientConfig.url`, cc.url, "'https' is the only allowed URL scheme"));
    }
    if (w?.timeoutSeconds !== undefined && (w.timeoutSeconds < 1 || w.timeoutSeconds > 30)) errs.push(invalid(`${p}.timeoutSeconds`, w.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds'));
    if (mutating && w?.reinvocationPolicy !== undefined && !['Never', 'IfNeeded'].includes(w.reinvocationPolicy)) {
      errs.push({ type: 'FieldValueNotSupported', field: `${p}.reinvocationPolicy`, value: w.reinvocationPolicy, supported: ['IfNeeded', 'Never'] });
    }
  });
  return errs;
}

export const mutatingWebhookStrategy: Strategy = { validate: (o) => validateWebhooks(o, true) };
export const validatingWebhookStrategy: Strategy = { validate: (o) => validateWebhooks(o, false) };
