/**
 * @module api/builtin/auth
 * authentication.k8s.io and authorization.k8s.io: the review kinds. They are virtual: a POST is
 * answered (who is this token? may this user do that?) and nothing is stored, so they serve only
 * `create`. TokenRequest is the body of the serviceaccounts/token subresource.
 */
import { define } from '../schema/registry.js';
import { obj, str, bool, arr, mapOf, int64, ref } from '../schema/builders.js';
import { kindDef } from '../meta/kind.js';
import { META, kind } from './common.js';

const userInfo = obj({ extra: mapOf(arr(str())), groups: arr(str()), uid: str(), username: str() });
define('io.k8s.api.authentication.v1.UserInfo', userInfo);

kind({ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', plural: 'tokenreviews', namespaced: false, verbs: ['create'], virtual: true,
  required: ['spec'],
  props: { spec: obj({ audiences: arr(str()), token: str() }),
    status: obj({ audiences: arr(str()), authenticated: bool(), error: str(), user: ref('io.k8s.api.authentication.v1.UserInfo') }) } });
kind({ group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', namespaced: false, verbs: ['create'], virtual: true,
  props: { status: obj({ userInfo: ref('io.k8s.api.authentication.v1.UserInfo') }) } });
define('io.k8s.api.authentication.v1.TokenRequest', kindDef('authentication.k8s.io', 'v1', 'TokenRequest', {
  spec: obj({ audiences: arr(str()), boundObjectRef: obj({ apiVersion: str(), kind: str(), name: str(), uid: str() }), expirationSeconds: int64() }),
  status: obj({ expirationTimestamp: ref(`${META}.Time`), token: str() }, { required: ['token', 'expirationTimestamp'] }),
}, { required: ['spec'] }));

const resourceAttributes = obj({ fieldSelector: obj({ rawSelector: str(), requirements: arr(obj({ key: str(), operator: str(), values: arr(str()) })) }),
  group: str(), labelSelector: obj({ rawSelector: str(), requirements: arr(obj({ key: str(), operator: str(), values: arr(str()) })) }),
  name: str(), namespace: str(), resource: str(), subresource: str(), verb: str(), version: str() });
const nonResourceAttributes = obj({ path: str(), verb: str() });
const sarStatus = obj({ allowed: bool(), denied: bool(), evaluationError: str(), reason: str() }, { required: ['allowed'] });
const sarSpec = obj({ extra: mapOf(arr(str())), groups: arr(str()), nonResourceAttributes, resourceAttributes, uid: str(), user: str() });
kind({ group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', namespaced: false, verbs: ['create'], virtual: true,
  required: ['spec'], props: { spec: sarSpec, status: sarStatus } });
kind({ group: 'authorization.k8s.io', version: 'v1', kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', namespaced: true, verbs: ['create'], virtual: true,
  required: ['spec'], props: { spec: sarSpec, status: sarStatus } });
kind({ group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', namespaced: false, verbs: ['create'], virtual: true,
  required: ['spec'], props: { spec: obj({ nonResourceAttributes, resourceAttributes }), status: sarStatus } });
kind({ group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', namespaced: false, verbs: ['create'], virtual: true,
  required: ['spec'], props: { spec: obj({ namespace: str() }),
    status: obj({ evaluationError: str(), incomplete: bool(),
      nonResourceRules: arr(obj({ nonResourceURLs: arr(str()), verbs: arr(str()) }, { required: ['verbs'] })),
      resourceRules: arr(obj({ apiGroups: arr(str()), resourceNames: arr(str()), resources: arr(str()), verbs: arr(str()) }, { required: ['verbs'] })) },
    { required: ['resourceRules', 'nonResourceRules', 'incomplete'] }) } });
