/**
 * @module apiserver/registry/kinds/event
 * core/v1 Events: selectable by the object they are about, which is how `kubectl describe` finds
 * the events of one object (involvedObject.name, .namespace, .kind, .uid).
 */
import type { Strategy } from '../strategy.js';

export const eventStrategy: Strategy = {
  fieldAttrs: (e) => {
    const o = e.involvedObject ?? {};
    return {
      'involvedObject.kind': o.kind ?? '', 'involvedObject.namespace': o.namespace ?? '', 'involvedObject.name': o.name ?? '',
      'involvedObject.uid': o.uid ?? '', 'involvedObject.apiVersion': o.apiVersion ?? '', 'involvedObject.resourceVersion': o.resourceVersion ?? '',
      'involvedObject.fieldPath': o.fieldPath ?? '', reason: e.reason ?? '', reportingComponent: e.reportingComponent ?? '',
      source: e.source?.component ?? '', type: e.type ?? '',
    };
  },
};
