/**
 * @module apiserver/admission/builtin
 * The built-in admission plugins skiff has (besides PodSecurity and the webhooks).
 */
export { namespaceLifecyclePlugin } from './namespace-lifecycle.js';
export { limitRangerPlugin } from './limit-ranger.js';
export { serviceAccountPlugin } from './service-account.js';
export { defaultTolerationSecondsPlugin } from './default-toleration-seconds.js';
export { priorityPlugin, builtinPriorityClasses } from './priority.js';
export { resourceQuotaPlugin, ResourceQuotaController, recalculateQuotas } from './resource-quota.js';
