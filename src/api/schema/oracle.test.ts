/**
 * Cross-checks the schema validator against kubernetes-models (an independent validator generated from
 * Kubernetes' own OpenAPI) on a corpus of realistic manifests: both must agree on valid/invalid.
 * Unknown fields are not compared (kubernetes-models allows them). Skipped until src/api/index.ts exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateAgainstSchema, allErrors } from './validate.js';
import { allResources } from './registry.js';

const indexPath = fileURLToPath(new URL('../index.js', import.meta.url));
const pod = (spec: any) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec });
const container = { name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.1 } } };
const deployment = (spec: any) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { app: 'web' } }, spec });
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } };

const corpus: Array<[string, any]> = [
  ['pod ok', pod({ containers: [container], restartPolicy: 'Always' })],
  ['pod probe intorstr ok', pod({ containers: [{ ...container, livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 } }] })],
  ['pod containers missing', pod({})],
  ['pod container name missing', pod({ containers: [{ image: 'nginx' }] })],
  ['pod port string', pod({ containers: [{ ...container, ports: [{ containerPort: '80' }] }] })],
  ['pod env value number', pod({ containers: [{ ...container, env: [{ name: 'A', value: 1 }] }] })],
  ['pod env ok', pod({ containers: [{ ...container, env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] })],
  ['pod volumes ok', pod({ containers: [container], volumes: [{ name: 'v', emptyDir: {} }, { name: 'c', configMap: { name: 'cm', items: [{ key: 'a', path: 'a' }] } }] })],
  ['pod volume name missing', pod({ containers: [container], volumes: [{ emptyDir: {} }] })],
  ['pod labels non-string', { ...pod({ containers: [container] }), metadata: { name: 'p', labels: { a: 1 } } }],
  ['deployment ok', deployment({ replicas: 3, selector: { matchLabels: { app: 'web' } }, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } } })],
  ['deployment replicas string', deployment({ replicas: 'three', selector: { matchLabels: { app: 'web' } }, template })],
  ['deployment selector missing', deployment({ template })],
  ['deployment template missing', deployment({ selector: { matchLabels: { app: 'web' } } })],
  ['deployment matchExpressions bad', deployment({ selector: { matchExpressions: [{ key: 'a' }] }, template })],
  ['service ok', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } }],
  ['service port missing', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ targetPort: 8080 }] } }],
  ['service port bool', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: true }] } }],
  ['configmap ok', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } }],
  ['configmap data number', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 1 } }],
  ['secret ok', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', stringData: { a: 'b' } }],
  ['job ok', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { backoffLimit: 2, template: { spec: { containers: [container], restartPolicy: 'Never' } } } }],
  ['job template missing', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: {} }],
  ['cronjob ok', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { containers: [container], restartPolicy: 'OnFailure' } } } } } }],
  ['cronjob schedule missing', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [container] } } } } } }],
  ['role ok', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }],
  ['role verbs missing', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [{ resources: ['pods'] }] }],
  ['rolebinding roleRef missing', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb' }, subjects: [{ kind: 'User', name: 'u' }] }],
  ['ingress ok', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' }, spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } }] } }],
  ['ingress pathType missing', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' }, spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 's' } } }] } }] } }],
  ['namespace ok', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }],
  ['metadata name number', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 5 } }],
];

async function modelsValid(o: any): Promise<boolean | null> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const dir = group === '' ? 'v1' : `${group}/${version}`;
  let mod: any;
  try { mod = await import(`kubernetes-models/${dir}/${o.kind}`); } catch { return null; }
  try { new mod[o.kind](structuredClone(o)).validate(); return true; } catch { return false; }
}

test('validator agrees with kubernetes-models on a manifest corpus', async (t) => {
  if (!existsSync(indexPath)) { t.skip('src/api/index.ts not built yet'); return; }
  await import(indexPath);
  let compared = 0;
  const disagreements: string[] = [];
  for (const [label, o] of corpus) {
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
    const info = allResources().find((r) => r.group === group && r.version === version && r.kind === o.kind);
    if (!info) continue;
    const oracle = await modelsValid(o);
    if (oracle === null) continue;
    const r = validateAgainstSchema(o, { $ref: info.definition }, { unknownFields: 'Ignore' });
    const ours = allErrors(r).length === 0;
    compared++;
    if (ours !== oracle) disagreements.push(`${label}: ours=${ours ? 'valid' : 'invalid'} kubernetes-models=${oracle ? 'valid' : 'invalid'} ${JSON.stringify(allErrors(r).map((e) => `${e.field}: ${e.detail ?? ''}`))}`);
  }
  assert.deepEqual(disagreements, []);
  assert.ok(compared > 0, 'no kinds of the corpus are registered');
});
