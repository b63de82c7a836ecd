/**
 * @module apiserver/registry/kinds/workload
 * Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs: the selector must select the
 * template's labels and may not change (apps/v1), and StatefulSets only let a few spec fields change.
 */
import type { ResourceInfo } from '../../../api/schema/types.js';
import type { Strategy } from '../strategy.js';
import { invalid, required, forbiddenField, type FieldError } from '../../../machinery/field-errors.js';
import { deepEqual } from '../object-meta.js';
import { labelSelectorMatches } from '../patchers.js';

function validateSelector(obj: any, isJob: boolean): FieldError[] {
  const spec = obj.spec ?? {};
  const sel = spec.selector;
  if (isJob && !sel) return [];
  if (!sel || (!sel.matchLabels && !sel.matchExpressions)) return [required('spec.selector')];
  if (Object.keys(sel.matchLabels ?? {}).length === 0 && !(sel.matchExpressions?.length)) return [invalid('spec.selector', sel, 'empty selector is invalid for deployment')];
  const labels = spec.template?.metadata?.labels ?? {};
  if (!labelSelectorMatches(sel, labels)) return [invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`')];
  return [];
}

const JOB_UID_LABEL = 'batch.kubernetes.io/controller-uid';

/**
 * A Job's selector is made by the server unless spec.manualSelector is true (Kubernetes'
 * generateSelector): the Job's uid and name as template labels, and a selector on the uid, so no
 * two Jobs ever select each other's pods.
 */
function generateJobSelector(job: any): void {
  if (job.spec?.manualSelector === true) return;
  const { uid, name } = job.metadata;
  const t = (job.spec.template ??= {});
  const m = (t.metadata ??= {});
  m.labels = { ...(m.labels ?? {}), [JOB_UID_LABEL]: uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
  job.spec.selector ??= { matchLabels: { [JOB_UID_LABEL]: uid } };
}

function validateGeneratedSelector(job: any): FieldError[] {
  if (job.spec?.manualSelector === true) return [];
  const sel = job.spec?.selector;
  const ok = sel && !sel.matchExpressions?.length && Object.keys(sel.matchLabels ?? {}).length === 1 && sel.matchLabels[JOB_UID_LABEL] === job.metadata.uid;
  return ok ? [] : [invalid('spec.selector', sel, '`selector` not auto-generated')];
}

export function workloadStrategy(info: ResourceInfo): Strategy {
  const isJob = info.plural === 'jobs';
  return {
    ...(isJob ? { prepareForCreate: (obj: any) => { if (obj.spec) generateJobSelector(obj); } } : {}),
    validate: (obj) => [...validateSelector(obj, isJob), ...(isJob ? validateGeneratedSelector(obj) : [])],
    validateUpdate(obj, old) {
      const errs = validateSelector(obj, isJob);
      if (!deepEqual(obj.spec?.selector, old.spec?.selector)) errs.push(invalid('spec.selector', obj.spec?.selector, 'field is immutable'));
      if (info.plural === 'statefulsets') {
        const a = { ...(obj.spec ?? {}) }, b = { ...(old.spec ?? {}) };
        for (const k of ['replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit']) { delete a[k]; delete b[k]; }
        if (!deepEqual(a, b)) errs.push(forbiddenField('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
      }
      if (isJob && old.spec?.template && !deepEqual(obj.spec?.template, old.spec?.template) && !old.spec?.suspend) {
        errs.push(invalid('spec.template', obj.spec?.template, 'field is immutable'));
      }
      return errs;
    },
  };
}
