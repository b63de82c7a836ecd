/**
 * @module apiserver/admission/plugin
 * Kubernetes' built-in admission plugins that skiff enables by default, in the order the
 * API server runs them (the mutating steps in this order, then the validating ones).
 */
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { namespaceLifecyclePlugin } from './namespace-lifecycle.js';
import { limitRangerPlugin } from './limit-ranger.js';
import { serviceAccountPlugin } from './service-account.js';
import { defaultTolerationSecondsPlugin } from './default-toleration-seconds.js';
import { priorityPlugin } from './priority.js';
import { resourceQuotaPlugin } from './resource-quota.js';

export { namespaceLifecyclePlugin, limitRangerPlugin, serviceAccountPlugin, defaultTolerationSecondsPlugin, priorityPlugin, resourceQuotaPlugin };
export { builtinPriorityClasses } from './priority.js';
export { ResourceQuotaController, recalculateQuota } from './resource-quota.js';

export function builtinAdmissionPlugins(client: LoopbackClient): AdmissionPlugin[] {
  return [
    namespaceLifecyclePlugin(client),
    limitRangerPlugin(client),
    serviceAccountPlugin(client),
    defaultTolerationSecondsPlugin(client),
    priorityPlugin(client),
    resourceQuotaPlugin(client),
  ];
}
