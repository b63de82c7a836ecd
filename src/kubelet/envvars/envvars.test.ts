import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expand, mappingFuncFor } from './expansion.js';
import { makeEnvironmentVariables, expandCommandAndArgs, EnvError, serviceEnvFor } from './envvars.js';
import { formatMap, extractFieldPathAsString, containerResourceValue } from './fieldpath.js';

const notFound = (what: string) => Object.assign(new Error(`${what} not found`), { code: 404 });
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A Clientset double: only the verbs makeEnvironmentVariables uses. */
function fakeCS(objs: { configmaps?: Record<string, any>; secrets?: Record<string, any>; node?: any }) {
  const res = (m: Record<string, any> = {}, kind: string) => ({
    get: async (_ns: string, name: string) => { if (!m[name]) throw notFound(`${kind} "${name}"`); return m[name]; },
  });
  return {
    configmaps: res(objs.configmaps, 'configmaps'), secrets: res(objs.secrets, 'secrets'),
    nodes: { get: async () => objs.node ?? { status: { allocatable: { cpu: '2', memory: '4Gi' } } } },
  } as any;
}

const pod = (c: any) => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u-1', labels: { b: '2', a: 'x"y' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [c] },
});
const ctx = (cs: any, extra: any = {}) => ({ cs, nodeName: 'n1', hostIP: '10.0.0.1', podIP: '10.1.0.5', podIPs: ['10.1.0.5'], ...extra });

test('expansion: references, escapes, unknown and unclosed', () => {
  const m = mappingFuncFor({ A: 'a', B: 'b' });
  assert.equal(expand('$(A)-$(B)', m), 'a-b');
  assert.equal(expand('$$(A)', m), '$(A)');
  assert.equal(expand('$(C)', m), '$(C)');
  assert.equal(expand('$(A', m), '$(A');
  assert.equal(expand('x$y$', m), 'x$y$');
  assert.equal(expand('$$$$', m), '$$');
});

test('env order: service links first, envFrom then env, later names override, $(VAR) expansion', async () => {
  const cs = fakeCS({ configmaps: { cm: { data: { FROM_CM: 'cm', SHARED: 'from-cm', 'bad name': 'x' } } }, secrets: { s: { data: { PASS: b64('hunter2') } } } });
  const c = {
    name: 'app',
    envFrom: [{ configMapRef: { name: 'cm' } }, { secretRef: { name: 's' }, prefix: 'S_' }],
    env: [
      { name: 'SHARED', value: 'from-env' },
      { name: 'GREETING', value: 'hi $(FROM_CM) $(SVC_SERVICE_HOST) $$(FROM_CM) $(NOPE)' },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'LBL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['b']" } } },
      { name: 'KEY', valueFrom: { configMapKeyRef: { name: 'cm', key: 'FROM_CM' } } },
      { name: 'SKEY', valueFrom: { secretKeyRef: { name: 's', key: 'PASS' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'missing', key: 'k', optional: true } } },
    ],
  };
  const events: string[] = [];
  const env = await makeEnvironmentVariables(pod(c), c, ctx(cs, { serviceEnv: { SVC_SERVICE_HOST: '10.96.0.9', SHARED: 'svc' }, recorder: { event: (_o: any, _t: any, r: string, m: string) => events.push(`${r}: ${m}`) } }));
  assert.deepEqual(env.map((e) => e.key), ['SVC_SERVICE_HOST', 'FROM_CM', 'SHARED', 'S_PASS', 'GREETING', 'POD', 'IP', 'LBL', 'KEY', 'SKEY']);
  const v = Object.fromEntries(env.map((e) => [e.key, e.value]));
  assert.equal(v.SHARED, 'from-env');
  assert.equal(v.GREETING, 'hi cm 10.96.0.9 $(FROM_CM) $(NOPE)');
  assert.equal(v.S_PASS, 'hunter2');
  assert.equal(v.SKEY, 'hunter2');
  assert.equal(v.POD, 'p');
  assert.equal(v.IP, '10.1.0.5');
  assert.equal(v.LBL, '2');
  assert.deepEqual(events, ['InvalidEnvironmentVariableNames: Keys [bad name] from the EnvFrom configMap ns/cm were skipped since they are considered invalid environment variable names.']);
});

test('env errors in the kubelet\'s words', async () => {
  const cs = fakeCS({ configmaps: { cm: { data: { a: '1' } } }, secrets: { s: { data: {} } } });
  const run = (env: any[], envFrom: any[] = []) => { const c = { name: 'c', env, envFrom }; return makeEnvironmentVariables(pod(c), c, ctx(cs)); };
  await assert.rejects(run([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'a' } } }]), (e: any) => e instanceof EnvError && e.reason === 'CreateContainerConfigError' && e.message === 'configmap "nope" not found');
  await assert.rejects(run([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'b' } } }]), { message: "couldn't find key b in ConfigMap ns/cm" });
  await assert.rejects(run([{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'b' } } }]), { message: "couldn't find key b in Secret ns/s" });
  await assert.rejects(run([], [{ secretRef: { name: 'gone' } }]), { message: 'secret "gone" not found' });
  assert.deepEqual(await run([{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'b', optional: true } } }], [{ secretRef: { name: 'gone', optional: true } }]), []);
  await assert.rejects(run([{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }]), { message: 'unsupported fieldPath: spec.bogus' });
});

test('resourceFieldRef: divisor, rounding up, node allocatable for unset limits', async () => {
  const c = { name: 'c', resources: { requests: { cpu: '250m', memory: '64Mi' } }, env: [
    { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
    { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
    { name: 'MEM_REQ_MI', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } },
    { name: 'MEM_LIM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Gi' } } },
  ] };
  const env = await makeEnvironmentVariables(pod(c), c, ctx(fakeCS({})));
  assert.deepEqual(Object.fromEntries(env.map((e) => [e.key, e.value])), { CPU_REQ: '1', CPU_REQ_M: '250', MEM_REQ_MI: '64', MEM_LIM: '4' });
  assert.throws(() => containerResourceValue({ resource: 'limits.gpu' }, c), { message: 'unsupported container resource : limits.gpu' });
});

test('downward API field paths and FormatMap', () => {
  const p = pod({ name: 'c' });
  assert.equal(formatMap({ b: '2', a: 'x"y' }), 'a="x\\"y"\nb="2"');
  assert.equal(extractFieldPathAsString(p, 'metadata.labels'), 'a="x\\"y"\nb="2"');
  assert.equal(extractFieldPathAsString(p, 'metadata.uid'), 'u-1');
});

test('expandCommandAndArgs and service links', () => {
  const env = [{ key: 'A', value: 'x' }];
  assert.deepEqual(expandCommandAndArgs({ command: ['echo', '$(A)'], args: ['$$(A)', '$(B)'] }, env), { command: ['echo', 'x'], args: ['$(A)', '$(B)'] });
  const svc = (ns: string, name: string, ip: string) => ({ metadata: { namespace: ns, name }, spec: { clusterIP: ip, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  const m = serviceEnvFor([svc('default', 'kubernetes', '10.96.0.1'), svc('ns', 'my-db', '10.96.0.7'), svc('other', 'x', '10.96.0.8')], 'ns');
  assert.equal(m.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.equal(m.MY_DB_SERVICE_PORT_HTTP, '80');
  assert.equal(m.MY_DB_PORT_80_TCP_ADDR, '10.96.0.7');
  assert.equal(m.X_SERVICE_HOST, undefined);
  assert.equal(serviceEnvFor([svc('ns', 'my-db', '10.96.0.7')], 'ns', false).MY_DB_SERVICE_HOST, undefined);
});
