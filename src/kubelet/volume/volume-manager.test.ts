import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, realpathSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VolumeManager, VolumeError } from './volume-manager.js';
import { writeAtomic } from './atomic-writer.js';
import { TokenManager } from './token-manager.js';
import { isMountPoint } from './mount-utils.js';
import { makeMounts, MountError } from './mounts.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const notFound = (m: string) => Object.assign(new Error(m), { code: 404 });

/** A Clientset double: objects by name, and a TokenRequest endpoint that counts its calls. */
function fakeCS(state: { configmaps?: Record<string, any>; secrets?: Record<string, any>; pvcs?: Record<string, any>; pvs?: Record<string, any> }) {
  const res = (m: Record<string, any> = {}, plural: string) => ({ get: async (_ns: string, name: string) => { if (!m[name]) throw notFound(`${plural} "${name}" not found`); return structuredClone(m[name]); } });
  const tokens: any[] = [];
  return {
    tokens,
    configmaps: res(state.configmaps, 'configmaps'), secrets: res(state.secrets, 'secrets'),
    persistentvolumeclaims: res(state.pvcs, 'persistentvolumeclaims'), persistentvolumes: res(state.pvs, 'persistentvolumes'),
    nodes: { get: async () => ({ status: { allocatable: { cpu: '4', memory: '8Gi' } } }) },
    serviceaccounts: { path: (ns: string, n: string, sub: string) => `/api/v1/namespaces/${ns}/serviceaccounts/${n}/${sub}` },
    transport: { request: async (method: string, p: string, body: any) => {
      tokens.push({ method, p, body });
      const exp = new Date(Date.now() + body.spec.expirationSeconds * 1000).toISOString();
      return { status: 201, body: JSON.stringify({ spec: body.spec, status: { token: `tok-${tokens.length}`, expirationTimestamp: exp } }) };
    } },
  } as any;
}

async function tmp(t: any): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'skiff-vol-'));
  t.after(() => fs.rm(d, { recursive: true, force: true }));
  return d;
}

const pod = (volumes: any[], extra: any = {}) => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'uid-1', labels: { app: 'web' }, annotations: { a: '1' } },
  spec: { serviceAccountName: 'sa', containers: [{ name: 'c', resources: { limits: { memory: '128Mi' } } }], volumes, ...extra },
});

test('atomic writer: ..data layout, in-place update, removed keys, no-op rewrite', async (t) => {
  const dir = await tmp(t);
  const p = (o: Record<string, string>) => new Map(Object.entries(o).map(([k, v]) => [k, { data: Buffer.from(v), mode: 0o644 }]));
  assert.equal(await writeAtomic(dir, p({ a: '1', 'sub/b': '2' })), true);
  const ts1 = await fs.readlink(path.join(dir, '..data'));
  assert.match(ts1, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
  assert.equal(await fs.readlink(path.join(dir, 'a')), '..data/a');
  assert.equal(await fs.readlink(path.join(dir, 'sub')), '..data/sub');
  assert.equal(await fs.readFile(path.join(dir, 'sub/b'), 'utf8'), '2');
  assert.equal((await fs.stat(path.join(dir, 'a'))).mode & 0o777, 0o644);
  assert.equal(await writeAtomic(dir, p({ a: '1', 'sub/b': '2' })), false);
  assert.equal(await writeAtomic(dir, p({ a: 'changed' })), true);
  const ts2 = await fs.readlink(path.join(dir, '..data'));
  assert.notEqual(ts2, ts1);
  assert.equal(await fs.readFile(path.join(dir, 'a'), 'utf8'), 'changed');
  assert.deepEqual((await fs.readdir(dir)).sort(), ['..data', ts2, 'a'].sort());
  await assert.rejects(writeAtomic(dir, p({ '../x': '1' })), { message: "invalid path: must not contain '..'" });
});

test('configMap and secret volumes: keys, items, modes, optional, errors, update in place', async (t) => {
  const root = await tmp(t);
  const state = { configmaps: { cfg: { data: { 'app.conf': 'v1', other: 'o' }, binaryData: { bin: b64('\x00\x01') } } }, secrets: { s: { data: { pw: b64('hunter2') } } } };
  const cs = fakeCS(state);
  const events: string[] = [];
  const vm = new VolumeManager({ cs, rootDir: root, nodeName: 'n1', resyncMs: 60_000, recorder: { event: (_o, type, reason, msg) => events.push(`${type} ${reason} ${msg}`) } });
  t.after(() => vm.stop());
  const vols = [
    { name: 'cfg', configMap: { name: 'cfg' } },
    { name: 'items', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] } },
    { name: 'opt', configMap: { name: 'missing', optional: true } },
    { name: 'sec', secret: { secretName: 's', defaultMode: 0o400 } },
  ];
  const m = await vm.mountPod(pod(vols));
  const cfg = m.get('cfg')!;
  assert.equal(cfg.hostPath, path.join(root, 'pods/uid-1/volumes/kubernetes.io~configmap/cfg'));
  assert.equal(cfg.readOnly, true);
  assert.equal(await fs.readFile(path.join(cfg.hostPath, 'app.conf'), 'utf8'), 'v1');
  assert.deepEqual([...await fs.readFile(path.join(cfg.hostPath, 'bin'))], [0, 1]);
  assert.equal((await fs.stat(path.join(cfg.hostPath, 'app.conf'))).mode & 0o777, 0o644);
  const items = m.get('items')!.hostPath;
  assert.deepEqual((await fs.readdir(items)).filter((n) => !n.startsWith('..')), ['conf']);
  assert.equal((await fs.stat(path.join(items, 'conf/app.conf'))).mode & 0o777, 0o600);
  assert.deepEqual((await fs.readdir(m.get('opt')!.hostPath)).filter((n) => !n.startsWith('..')), []);
  const sec = m.get('sec')!.hostPath;
  assert.match(sec, /kubernetes\.io~secret\/sec$/);
  assert.equal(await fs.readFile(path.join(sec, 'pw'), 'utf8'), 'hunter2');
  assert.equal((await fs.stat(path.join(sec, 'pw'))).mode & 0o777, 0o400);

  // The object changes: a resync rewrites the files in place, through the same visible path.
  state.configmaps.cfg.data['app.conf'] = 'v2';
  await vm.resync();
  assert.equal(await fs.readFile(path.join(cfg.hostPath, 'app.conf'), 'utf8'), 'v2');

  await assert.rejects(vm.mountPod(pod([{ name: 'x', configMap: { name: 'nope' } }])), (e: any) => e instanceof VolumeError && e.message === 'MountVolume.SetUp failed for volume "x" : configmap "nope" not found');
  await assert.rejects(vm.mountPod(pod([{ name: 'y', configMap: { name: 'cfg', items: [{ key: 'zz', path: 'zz' }] } }])), { message: 'MountVolume.SetUp failed for volume "y" : configmap references non-existent config key: zz' });
  await assert.rejects(vm.mountPod(pod([{ name: 'z', secret: { secretName: 'gone' } }])), { message: 'MountVolume.SetUp failed for volume "z" : secret "gone" not found' });
  assert.ok(events.includes('Warning FailedMount MountVolume.SetUp failed for volume "x" : configmap "nope" not found'));

  assert.deepEqual(await vm.podsOnDisk(), ['uid-1']);
  await vm.unmountPod('uid-1');
  assert.deepEqual(await vm.podsOnDisk(), []);
});

test('downwardAPI and projected volumes, with a pod-bound ServiceAccount token', async (t) => {
  const root = await tmp(t);
  const cs = fakeCS({ configmaps: { ca: { data: { 'ca.crt': 'CA' } } } });
  const vm = new VolumeManager({ cs, rootDir: root, nodeName: 'n1' });
  t.after(() => vm.stop());
  const vols = [
    { name: 'info', downwardAPI: { items: [
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
      { path: 'cpu', resourceFieldRef: { containerName: 'c', resource: 'limits.cpu' } },
    ] } },
    { name: 'kube-api-access', projected: { defaultMode: 0o644, sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607, audience: 'api' } },
      { configMap: { name: 'ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
    ] } },
  ];
  const m = await vm.mountPod(pod(vols));
  const info = m.get('info')!.hostPath;
  assert.match(info, /kubernetes\.io~downward-api\/info$/);
  assert.equal(await fs.readFile(path.join(info, 'labels'), 'utf8'), 'app="web"');
  assert.equal(await fs.readFile(path.join(info, 'mem'), 'utf8'), '128');
  assert.equal(await fs.readFile(path.join(info, 'cpu'), 'utf8'), '4');
  const proj = m.get('kube-api-access')!.hostPath;
  assert.equal(await fs.readFile(path.join(proj, 'token'), 'utf8'), 'tok-1');
  assert.equal(await fs.readFile(path.join(proj, 'ca.crt'), 'utf8'), 'CA');
  assert.equal(await fs.readFile(path.join(proj, 'namespace'), 'utf8'), 'ns');
  assert.deepEqual(cs.tokens[0], { method: 'POST', p: '/api/v1/namespaces/ns/serviceaccounts/sa/token', body: {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    spec: { audiences: ['api'], expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'uid-1' } } } });
  // A label change shows on the next sync (downwardAPI reads no API object, so it is never throttled).
  const p2: any = pod(vols); p2.metadata.labels = { app: 'web', tier: 'front' };
  await vm.mountPod(p2);
  assert.equal(await fs.readFile(path.join(info, 'labels'), 'utf8'), 'app="web"\ntier="front"');
  // A fresh token is not requested again before 80% of its life.
  await vm.resync();
  assert.equal(cs.tokens.length, 1);
  await vm.unmountPod('uid-1');
});

test('token manager: refresh after 80% of the lifetime, keep the old token when a refresh fails', async () => {
  let now = Date.now();
  let fail = false;
  let n = 0;
  const cs: any = { serviceaccounts: { path: () => '/t' }, transport: { request: async (_m: string, _p: string, body: any) => {
    if (fail) return { status: 500, body: JSON.stringify({ kind: 'Status', message: 'boom' }) };
    return { status: 201, body: JSON.stringify({ spec: body.spec, status: { token: `t${++n}`, expirationTimestamp: new Date(now + body.spec.expirationSeconds * 1000).toISOString() } }) };
  } } };
  const tm = new TokenManager(cs, () => now);
  const spec = { expirationSeconds: 1000, boundObjectRef: { apiVersion: 'v1' as const, kind: 'Pod' as const, name: 'p', uid: 'u' } };
  assert.equal(await tm.getServiceAccountToken('ns', 'sa', spec), 't1');
  now += 790_000;
  assert.equal(await tm.getServiceAccountToken('ns', 'sa', spec), 't1');
  now += 20_000;
  fail = true;
  assert.equal(await tm.getServiceAccountToken('ns', 'sa', spec), 't1');
  fail = false;
  assert.equal(await tm.getServiceAccountToken('ns', 'sa', spec), 't2');
  now += 2_000_000; fail = true;
  await assert.rejects(tm.getServiceAccountToken('ns', 'sa', spec), { message: 'boom' });
});

test('hostPath types and persistentVolumeClaim on a local PersistentVolume', async (t) => {
  const root = await tmp(t);
  const host = await tmp(t);
  await fs.writeFile(path.join(host, 'file'), 'x');
  const cs = fakeCS({
    pvcs: { unbound: { metadata: { uid: 'c1' }, status: { phase: 'Pending' } }, data: { metadata: { uid: 'c2' }, spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } } },
    pvs: { 'pv-1': { spec: { claimRef: { uid: 'c2' }, hostPath: { path: path.join(host, 'pv'), type: 'DirectoryOrCreate' } } } },
  });
  const vm = new VolumeManager({ cs, rootDir: root, nodeName: 'n1' });
  t.after(() => vm.stop());
  const m = await vm.mountPod(pod([
    { name: 'doc', hostPath: { path: path.join(host, 'made/dir'), type: 'DirectoryOrCreate' } },
    { name: 'foc', hostPath: { path: path.join(host, 'made-file'), type: 'FileOrCreate' } },
    { name: 'f', hostPath: { path: path.join(host, 'file'), type: 'File' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
    { name: 'scratch', emptyDir: {} },
  ]));
  assert.ok((await fs.stat(path.join(host, 'made/dir'))).isDirectory());
  assert.ok((await fs.stat(path.join(host, 'made-file'))).isFile());
  assert.equal(m.get('data')!.hostPath, path.join(host, 'pv'));
  assert.ok((await fs.stat(path.join(host, 'pv'))).isDirectory());
  const scratch = m.get('scratch')!.hostPath;
  assert.match(scratch, /kubernetes\.io~empty-dir\/scratch$/);
  assert.equal((await fs.stat(scratch)).mode & 0o777, 0o777);
  const err = async (vol: any, msg: string) => assert.rejects(vm.mountPod({ ...pod([vol]), metadata: { ...pod([]).metadata, uid: 'uid-2' } }), { message: msg });
  await err({ name: 'd', hostPath: { path: path.join(host, 'file'), type: 'Directory' } }, `MountVolume.SetUp failed for volume "d" : hostPath type check failed: ${path.join(host, 'file')} is not a directory`);
  await err({ name: 'd', hostPath: { path: path.join(host, 'none'), type: 'File' } }, `MountVolume.SetUp failed for volume "d" : hostPath type check failed: ${path.join(host, 'none')} is not a file`);
  await err({ name: 'd', hostPath: { path: host, type: 'Socket' } }, `MountVolume.SetUp failed for volume "d" : hostPath type check failed: ${host} is not a socket file`);
  await err({ name: 'd', persistentVolumeClaim: { claimName: 'unbound' } }, 'error processing PVC ns/unbound: PVC is not bound');
  await err({ name: 'd', persistentVolumeClaim: { claimName: 'absent' } }, 'error processing PVC ns/absent: failed to fetch PVC from API server: persistentvolumeclaims "absent" not found');
  await vm.unmountPod('uid-1');
  await vm.unmountPod('uid-2');
  // Teardown never follows a hostPath or a PV out of the pod's directory.
  assert.ok((await fs.stat(path.join(host, 'pv'))).isDirectory());
});

test('emptyDir medium Memory is a tmpfs with the size limit, unmounted at teardown', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const root = await tmp(t);
  const vm = new VolumeManager({ cs: fakeCS({}), rootDir: root, nodeName: 'n1' });
  t.after(() => vm.stop());
  const m = await vm.mountPod(pod([{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]));
  const dir = m.get('mem')!.hostPath;
  t.after(async () => { if (await isMountPoint(dir)) await vm.unmountPod('uid-1'); });
  assert.ok(await isMountPoint(dir));
  await vm.mountPod(pod([{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]));
  const { statfsSync } = await import('node:fs');
  const st = statfsSync(dir);
  assert.equal(st.blocks * st.bsize, 1024 * 1024);
  await vm.unmountPod('uid-1');
  assert.equal(await isMountPoint(dir), false);
  await assert.rejects(fs.stat(dir));
});

test('makeMounts: subPath created, readOnly, escapes refused', async (t) => {
  const vol = realpathSync(await tmp(t));
  const outside = realpathSync(await tmp(t));
  await fs.symlink(outside, path.join(vol, 'evil'));
  const volumes = new Map([['data', { hostPath: vol, readOnly: false }], ['cfg', { hostPath: vol, readOnly: true }]]);
  const c = (volumeMounts: any[]) => ({ name: 'app', volumeMounts });
  const mounts = makeMounts({}, c([
    { name: 'data', mountPath: '/data' },
    { name: 'data', mountPath: '/logs', subPath: 'logs/app', readOnly: true },
    { name: 'cfg', mountPath: '/cfg' },
    { name: 'data', mountPath: '/pod', subPathExpr: 'by-pod/$(POD_NAME)' },
  ]), volumes, [{ key: 'POD_NAME', value: 'web-1' }]);
  assert.deepEqual(mounts, [
    { containerPath: '/data', hostPath: vol, readonly: false },
    { containerPath: '/logs', hostPath: path.join(vol, 'logs/app'), readonly: true },
    { containerPath: '/cfg', hostPath: vol, readonly: true },
    { containerPath: '/pod', hostPath: path.join(vol, 'by-pod/web-1'), readonly: false },
  ]);
  assert.ok((await fs.stat(path.join(vol, 'logs/app'))).isDirectory());
  assert.throws(() => makeMounts({}, c([{ name: 'data', mountPath: '/x', subPath: '../etc' }]), volumes), (e: any) => e instanceof MountError && e.message === "unable to provision SubPath `../etc`: must not contain '..'");
  assert.throws(() => makeMounts({}, c([{ name: 'data', mountPath: '/x', subPath: '/etc' }]), volumes), { message: 'error SubPath `/etc` must not be an absolute path' });
  assert.throws(() => makeMounts({}, c([{ name: 'data', mountPath: '/x', subPath: 'evil' }]), volumes), { message: `subpath "${outside}" not within volume path "${vol}"` });
  assert.throws(() => makeMounts({}, c([{ name: 'data', mountPath: '/x', subPath: 'evil/new' }]), volumes), { message: 'failed to create subPath directory for volumeMount "data" of container "app"' });
  assert.deepEqual(await fs.readdir(outside), []);
  assert.throws(() => makeMounts({}, c([{ name: 'nope', mountPath: '/x' }]), volumes), { message: 'cannot find volume "nope" to mount into container "app"' });
});
