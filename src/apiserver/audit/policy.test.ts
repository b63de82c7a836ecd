import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, PolicyRuleEvaluator, levelFor, AuditPolicyError, type AuditAttributes } from './policy.js';

const POLICY = `
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources: [{group: "", resources: ["endpoints", "services"]}]
  - level: None
    userGroups: ["system:nodes"]
    verbs: ["get"]
    resources: [{group: "", resources: ["nodes"]}]
  - level: None
    nonResourceURLs: ["/healthz*", "/version"]
  - level: RequestResponse
    resources: [{group: "", resources: ["pods/log", "*/status"]}]
    omitStages: [ResponseStarted]
    omitManagedFields: true
  - level: Request
    resources: [{group: "apps", resources: ["deployments/*"]}]
  - level: Metadata
    resources: [{group: "", resources: ["configmaps"], resourceNames: ["controller-leader"]}]
    namespaces: ["kube-system"]
  - level: Metadata
    resources: [{group: "", resources: ["secrets", "configmaps"]}]
  - level: Request
    verbs: ["create", "update", "patch"]
    namespaces: [""]
  - level: Request
    resources: [{group: "rbac.authorization.k8s.io"}]
  - level: RequestResponse
    nonResourceURLs: ["*"]
    verbs: ["post"]
`;

const alice = { name: 'alice', groups: ['dev', 'system:authenticated'] };
function res(resource: string, extra: Partial<AuditAttributes> = {}): AuditAttributes {
  return { user: alice, verb: 'get', namespace: 'default', apiGroup: '', resource, subresource: '', name: 'x', isResourceRequest: true, path: `/api/v1/${resource}`, ...extra };
}
function nonRes(path: string, verb = 'get'): AuditAttributes {
  return { user: alice, verb, isResourceRequest: false, path };
}

const ev = new PolicyRuleEvaluator(parsePolicy(POLICY));
const lvl = (a: AuditAttributes) => ev.levelFor(a).level;

test('users and verbs must both match', () => {
  const proxy = { name: 'system:kube-proxy', groups: ['system:authenticated'] };
  assert.equal(lvl(res('endpoints', { user: proxy, verb: 'watch' })), 'None');
  assert.equal(lvl(res('services', { user: proxy, verb: 'list' })), 'None', 'falls to no rule -> None');
  assert.equal(lvl(res('services', { user: proxy, verb: 'create', namespace: '' })), 'Request', 'cluster-scoped write rule');
});

test('userGroups match any of the user groups; no user matches no user rule', () => {
  const node = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  assert.equal(lvl(res('nodes', { user: node, namespace: '' })), 'None');
  assert.equal(lvl(res('secrets', { user: node })), 'Metadata');
  assert.equal(lvl(res('nodes', { user: undefined, namespace: '' })), 'None');
  assert.equal(lvl(res('secrets', { user: undefined })), 'Metadata');
});

test('resources: exact names do not match subresources; "*/status" and "resource/*"', () => {
  assert.equal(lvl(res('pods', { subresource: 'log' })), 'RequestResponse');
  assert.equal(lvl(res('pods', { subresource: 'exec' })), 'None');
  assert.equal(lvl(res('pods')), 'None');
  assert.equal(lvl(res('nodes', { subresource: 'status', namespace: '' })), 'RequestResponse');
  assert.equal(lvl(res('deployments', { apiGroup: 'apps', subresource: 'scale' })), 'Request');
  assert.equal(lvl(res('deployments', { apiGroup: 'apps' })), 'Request', '"deployments/*" also matches the resource itself');
  assert.equal(lvl(res('deployments', { apiGroup: 'extensions' })), 'None', 'group must match exactly');
  assert.equal(lvl(res('secrets', { subresource: 'status' })), 'RequestResponse');
});

test('group without resources matches every resource of the group', () => {
  assert.equal(lvl(res('clusterroles', { apiGroup: 'rbac.authorization.k8s.io', namespace: '' })), 'Request');
  assert.equal(lvl(res('rolebindings', { apiGroup: 'rbac.authorization.k8s.io', subresource: 'x' })), 'Request');
});

test('resourceNames and namespaces', () => {
  assert.equal(lvl(res('configmaps', { namespace: 'kube-system', name: 'controller-leader' })), 'Metadata');
  assert.equal(lvl(res('configmaps', { namespace: 'kube-system', name: 'other' })), 'Metadata');
  // A resourceNames rule does not match a list (no name).
  const strict = new PolicyRuleEvaluator(parsePolicy(`apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: RequestResponse
    resources: [{resources: ["configmaps"], resourceNames: ["a"]}]
    namespaces: ["kube-system"]
`));
  assert.equal(strict.levelFor(res('configmaps', { namespace: 'kube-system', name: 'a' })).level, 'RequestResponse');
  assert.equal(strict.levelFor(res('configmaps', { namespace: 'kube-system', name: '' })).level, 'None');
  assert.equal(strict.levelFor(res('configmaps', { namespace: 'default', name: 'a' })).level, 'None');
  assert.equal(strict.levelFor(nonRes('/api')).level, 'None', 'resource rules never match non-resource requests');
});

test('nonResourceURLs: exact, trailing *, and "*"; never resource requests', () => {
  assert.equal(lvl(nonRes('/healthz')), 'None');
  assert.equal(lvl(nonRes('/healthz/etcd')), 'None');
  assert.equal(lvl(nonRes('/version')), 'None');
  assert.equal(lvl(nonRes('/version/x')), 'None', 'no rule for it');
  assert.equal(lvl(nonRes('/apis', 'post')), 'RequestResponse');
  assert.equal(lvl(nonRes('/healthz', 'post')), 'None', 'first rule wins');
  assert.equal(lvl(res('pods', { verb: 'post' })), 'None');
});

test('omitStages: policy stages added to every rule; omitManagedFields from rule or policy', () => {
  assert.deepEqual(ev.levelFor(res('pods', { subresource: 'log' })).omitStages.sort(), ['RequestReceived', 'ResponseStarted']);
  assert.equal(ev.levelFor(res('pods', { subresource: 'log' })).omitManagedFields, true);
  assert.deepEqual(ev.levelFor(res('secrets')).omitStages, ['RequestReceived']);
  assert.equal(ev.levelFor(res('secrets')).omitManagedFields, false);
  const p = parsePolicy('{"apiVersion":"audit.k8s.io/v1","kind":"Policy","omitManagedFields":true,"rules":[{"level":"Metadata","omitManagedFields":false,"verbs":["get"]},{"level":"Request"}]}');
  assert.equal(levelFor(p, res('pods')).omitManagedFields, false);
  assert.equal(levelFor(p, res('pods', { verb: 'list' })).omitManagedFields, true);
  assert.equal(levelFor(p, res('pods', { verb: 'list' })).level, 'Request');
});

function bad(text: string, re: RegExp): void {
  assert.throws(() => parsePolicy(text), (e: unknown) => (e instanceof AuditPolicyError && re.test(e.message)) || assert.fail(String(e)));
}
const HEAD = 'apiVersion: audit.k8s.io/v1\nkind: Policy\n';

test('validation', () => {
  bad(HEAD + 'rules: [{level: Everything}]', /rules\[0\]\.level: Unsupported value: "Everything": supported values: "Metadata", "None", "Request", "RequestResponse"/);
  bad(HEAD + 'rules: [{verbs: [get]}]', /rules\[0\]\.level: Required value/);
  bad(HEAD + 'rules: [{level: None, nonResourceURLs: ["healthz"]}]', /must begin with a '\/' character/);
  bad(HEAD + 'rules: [{level: None, nonResourceURLs: ["/a*b"]}]', /wildcards '\*' must be the final character/);
  bad(HEAD + 'rules: [{level: None, nonResourceURLs: ["/a"], namespaces: [x]}]', /rules cannot apply to both regular resources and non-resource URLs/);
  bad(HEAD + 'rules: [{level: None, resources: [{group: "Apps"}]}]', /rules\[0\]\.resources\[0\]\.group: Invalid value: "Apps": a lowercase RFC 1123 subdomain/);
  bad(HEAD + 'rules: [{level: None, resources: [{group: "rbac.authorization.k8s.io/v1"}]}]', /group: Invalid value/);
  bad(HEAD + 'rules: [{level: None, resources: [{resourceNames: [a]}]}]', /using resourceNames requires at least one resource/);
  bad(HEAD + 'omitStages: [Done]\nrules: [{level: None}]', /omitStages\[0\]: Invalid value: "Done": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic/);
  bad(HEAD + 'rules: []', /loaded illegal policy with 0 rules/);
  bad('apiVersion: audit.k8s.io/v1beta2\nkind: Policy\nrules: [{level: None}]', /unknown group version/);
  bad('{', /failed decoding/);
});
