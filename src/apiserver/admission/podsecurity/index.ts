/**
 * @module apiserver/admission/podsecurity/index
 * Pod Security admission: the `PodSecurity` plugin, the level/version parsing it uses, and the
 * check evaluator (usable on its own, e.g. for dry-running a level against existing pods).
 */
export { podSecurityPlugin, optionsFromConfiguration, isSignificantPodUpdate, extractPodSpec, exemptNamespaceWarning, POD_CONTROLLERS,
  type PodSecurityOptions, type PodSecurityExemptions, type PodSecurityPlugin } from './admission.js';
export { evaluate, evaluatePod, newEvaluator, aggregateCheckResults, forbiddenDetail, forbiddenReason, type AggregateCheckResult } from './evaluate.js';
export * from './levels.js';
export { DEFAULT_CHECKS, type Check, type CheckResult, type VersionedCheck } from './checks/index.js';
