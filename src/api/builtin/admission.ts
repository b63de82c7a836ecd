/**
 * @module api/builtin/admission
 * admissionregistration.k8s.io/v1: MutatingWebhookConfiguration and ValidatingWebhookConfiguration,
 * with Kubernetes' defaults (failurePolicy Fail, matchPolicy Equivalent, everything-selectors,
 * timeoutSeconds 10, reinvocationPolicy Never, rule scope "*", service port 443).
 */
import { define } from '../schema/registry.js';
import { obj, str, int32, arr, bytes, ref, enumStr } from '../schema/builders.js';
import { META, kind } from './common.js';

const AR = 'io.k8s.api.admissionregistration.v1';
define(`${AR}.RuleWithOperations`, obj({ apiGroups: arr(str()), apiVersions: arr(str()), operations: arr(enumStr(['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'])),
  resources: arr(str()), scope: str() }));
define(`${AR}.WebhookClientConfig`, obj({ caBundle: bytes(),
  service: obj({ name: str(), namespace: str(), path: str(), port: int32() }, { required: ['namespace', 'name'] }), url: str() }));
define(`${AR}.MatchCondition`, obj({ expression: str(), name: str() }, { required: ['name', 'expression'] }));
const common = {
  admissionReviewVersions: arr(str()), clientConfig: ref(`${AR}.WebhookClientConfig`), failurePolicy: enumStr(['Fail', 'Ignore']),
  matchConditions: arr(ref(`${AR}.MatchCondition`), { mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'] }),
  matchPolicy: enumStr(['Equivalent', 'Exact']), name: str(), namespaceSelector: ref(`${META}.LabelSelector`), objectSelector: ref(`${META}.LabelSelector`),
  rules: arr(ref(`${AR}.RuleWithOperations`)), sideEffects: enumStr(['None', 'NoneOnDryRun', 'Some', 'Unknown']), timeoutSeconds: int32(),
};
const required = ['name', 'clientConfig', 'sideEffects', 'admissionReviewVersions'];
define(`${AR}.MutatingWebhook`, obj({ ...common, reinvocationPolicy: enumStr(['IfNeeded', 'Never']) }, { required }));
define(`${AR}.ValidatingWebhook`, obj(common, { required }));

function defaults(o: any, mutating: boolean): void {
  for (const w of Array.isArray(o?.webhooks) ? o.webhooks : []) {
    if (!w || typeof w !== 'object') continue;
    w.failurePolicy ??= 'Fail';
    w.matchPolicy ??= 'Equivalent';
    w.namespaceSelector ??= {};
    w.objectSelector ??= {};
    w.timeoutSeconds ??= 10;
    if (mutating) w.reinvocationPolicy ??= 'Never';
    for (const r of Array.isArray(w.rules) ? w.rules : []) if (r && typeof r === 'object') r.scope ??= '*';
    if (w.clientConfig?.service && typeof w.clientConfig.service === 'object') w.clientConfig.service.port ??= 443;
  }
}

const list = (item: string) => arr(ref(item), { mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'] });
kind({ group: 'admissionregistration.k8s.io', version: 'v1', kind: 'MutatingWebhookConfiguration', plural: 'mutatingwebhookconfigurations', namespaced: false,
  props: { webhooks: list(`${AR}.MutatingWebhook`) }, defaulter: (o) => defaults(o, true) });
kind({ group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingWebhookConfiguration', plural: 'validatingwebhookconfigurations', namespaced: false,
  props: { webhooks: list(`${AR}.ValidatingWebhook`) }, defaulter: (o) => defaults(o, false) });
