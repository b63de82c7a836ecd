/**
 * @module api/builtin/workloads
 * apps/v1 (Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision), batch/v1 (Job,
 * CronJob) and autoscaling/v1 Scale.
 */
import { define } from '../schema/registry.js';
import { obj, str, int32, int64, bool, arr, ref, intOrString, enumStr, withPatchStrategy } from '../schema/builders.js';
import { CORE, META, free, kind } from './common.js';
import { defaultPodSpec } from './defaults.js';

const scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };
const template = ref(`${CORE}.PodTemplateSpec`, 'Template describes the pods that will be created.');
const selector = ref(`${META}.LabelSelector`, 'Label selector for pods.');
const withTemplate = (f: (o: any) => void) => (o: any) => { if (o?.spec) { f(o.spec); if (o.spec.template?.spec) defaultPodSpec(o.spec.template.spec); } };
const rollingUpdate = obj({ maxSurge: intOrString(), maxUnavailable: intOrString() });

kind({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: { status: true, scale },
  description: 'Deployment enables declarative updates for Pods and ReplicaSets.',
  props: {
    spec: obj({ minReadySeconds: int32(), paused: bool(), progressDeadlineSeconds: int32(), replicas: int32('Number of desired pods. Defaults to 1.'),
      revisionHistoryLimit: int32(), selector, strategy: withPatchStrategy(obj({ rollingUpdate, type: enumStr(['Recreate', 'RollingUpdate']) }), 'retainKeys'), template },
    { required: ['selector', 'template'] }),
    status: ref('io.k8s.api.apps.v1.DeploymentStatus'),
  },
  defaulter: withTemplate((s) => {
    s.replicas ??= 1; s.revisionHistoryLimit ??= 10; s.progressDeadlineSeconds ??= 600;
    s.strategy ??= {}; s.strategy.type ??= 'RollingUpdate';
    if (s.strategy.type === 'RollingUpdate') { s.strategy.rollingUpdate ??= {}; s.strategy.rollingUpdate.maxSurge ??= '25%'; s.strategy.rollingUpdate.maxUnavailable ??= '25%'; }
  }) });
kind({ group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: { status: true, scale },
  props: { spec: obj({ minReadySeconds: int32(), replicas: int32(), selector, template }, { required: ['selector'] }),
    status: ref('io.k8s.api.apps.v1.ReplicaSetStatus') },
  defaulter: withTemplate((s) => { s.replicas ??= 1; }) });
kind({ group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: { status: true, scale },
  props: { spec: obj({ minReadySeconds: int32(), ordinals: obj({ start: int32() }), persistentVolumeClaimRetentionPolicy: obj({ whenDeleted: str(), whenScaled: str() }),
    podManagementPolicy: enumStr(['OrderedReady', 'Parallel']), replicas: int32(), revisionHistoryLimit: int32(), selector, serviceName: str(), template,
    updateStrategy: obj({ rollingUpdate: obj({ maxUnavailable: intOrString(), partition: int32() }), type: enumStr(['OnDelete', 'RollingUpdate']) }),
    volumeClaimTemplates: arr(free()) }, { required: ['selector', 'template'] }), status: ref('io.k8s.api.apps.v1.StatefulSetStatus') },
  defaulter: withTemplate((s) => {
    s.replicas ??= 1; s.podManagementPolicy ??= 'OrderedReady'; s.revisionHistoryLimit ??= 10;
    s.updateStrategy ??= {}; s.updateStrategy.type ??= 'RollingUpdate';
    if (s.updateStrategy.type === 'RollingUpdate') { s.updateStrategy.rollingUpdate ??= {}; s.updateStrategy.rollingUpdate.partition ??= 0; }
    s.persistentVolumeClaimRetentionPolicy ??= {}; s.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain'; s.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
  }) });
kind({ group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: { status: true },
  props: { spec: obj({ minReadySeconds: int32(), revisionHistoryLimit: int32(), selector, template,
    updateStrategy: obj({ rollingUpdate, type: enumStr(['OnDelete', 'RollingUpdate']) }) }, { required: ['selector', 'template'] }), status: ref('io.k8s.api.apps.v1.DaemonSetStatus') },
  defaulter: withTemplate((s) => {
    s.revisionHistoryLimit ??= 10; s.updateStrategy ??= {}; s.updateStrategy.type ??= 'RollingUpdate';
    if (s.updateStrategy.type === 'RollingUpdate') { s.updateStrategy.rollingUpdate ??= {}; s.updateStrategy.rollingUpdate.maxUnavailable ??= 1; s.updateStrategy.rollingUpdate.maxSurge ??= 0; }
  }) });
kind({ group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true,
  props: { data: free(), revision: int64() }, required: ['revision'] });

define('io.k8s.api.batch.v1.JobSpec', obj({
  activeDeadlineSeconds: int64(), backoffLimit: int32(), backoffLimitPerIndex: int32(), completionMode: enumStr(['Indexed', 'NonIndexed']), completions: int32(),
  managedBy: str(), manualSelector: bool(), maxFailedIndexes: int32(), parallelism: int32(), podFailurePolicy: free(), podReplacementPolicy: str(),
  selector, successPolicy: free(), suspend: bool(), template, ttlSecondsAfterFinished: int32(),
}, { required: ['template'] }));
const defaultJob = (s: any) => {
  s.completions ??= s.parallelism === undefined ? 1 : undefined; if (s.completions === undefined) delete s.completions;
  s.parallelism ??= 1; s.backoffLimit ??= 6; s.completionMode ??= 'NonIndexed'; s.suspend ??= false; s.manualSelector ??= undefined; if (s.manualSelector === undefined) delete s.manualSelector;
  s.podReplacementPolicy ??= 'TerminatingOrFailed';
  if (s.template?.spec) defaultPodSpec(s.template.spec);
};
kind({ group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true, categories: ['all'], subresources: { status: true },
  props: { spec: ref('io.k8s.api.batch.v1.JobSpec'), status: ref('io.k8s.api.batch.v1.JobStatus') },
  defaulter: (o) => { if (o?.spec) defaultJob(o.spec); } });
kind({ group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: { status: true },
  props: { spec: obj({ concurrencyPolicy: enumStr(['Allow', 'Forbid', 'Replace']), failedJobsHistoryLimit: int32(),
    jobTemplate: obj({ metadata: ref(`${META}.ObjectMeta`), spec: ref('io.k8s.api.batch.v1.JobSpec') }), schedule: str(), startingDeadlineSeconds: int64(),
    successfulJobsHistoryLimit: int32(), suspend: bool(), timeZone: str() }, { required: ['schedule', 'jobTemplate'] }),
    status: ref('io.k8s.api.batch.v1.CronJobStatus') },
  defaulter: (o) => { const s = o?.spec; if (!s) return; s.concurrencyPolicy ??= 'Allow'; s.suspend ??= false; s.successfulJobsHistoryLimit ??= 3; s.failedJobsHistoryLimit ??= 1; if (s.jobTemplate?.spec) defaultJob(s.jobTemplate.spec); } });

define('io.k8s.api.autoscaling.v1.Scale', {
  ...obj({ apiVersion: str(), kind: str(), metadata: ref(`${META}.ObjectMeta`), spec: obj({ replicas: int32() }), status: obj({ replicas: int32(), selector: str() }, { required: ['replicas'] }) }),
  'x-kubernetes-group-version-kind': [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }],
});
