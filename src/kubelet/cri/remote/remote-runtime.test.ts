import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { CriCode, CriError } from '../api.js';
import { loadCriServices } from './proto.js';
import { newRemoteRuntime, type RemoteRuntime } from './remote-runtime.js';

// A small CRI server on a unix socket, answering as containerd does, to check the client's wire handling.
type Handler = (call: { request: any }, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => void;
const unimpl: Handler = (_c, cb) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'unimplemented' } as grpc.ServiceError);

const NS = 1_700_000_000_123_456_789; // ns since the epoch (not exact in a double; ms is)
let server: grpc.Server;
let dir: string;
let rt: RemoteRuntime;
let lastPull: any;
let lastCreate: any;

before(async () => {
  const { RuntimeService, ImageService } = loadCriServices();
  server = new grpc.Server();
  const runtime: Record<string, Handler> = {
    Version: (c, cb) => cb(null, { version: c.request.version, runtimeName: 'fake', runtimeVersion: '1.0.0', runtimeApiVersion: 'v1' }),
    Status: (_c, cb) => cb(null, { status: { conditions: [{ type: 'RuntimeReady', status: true }, { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni plugin not initialized' }] } }),
    ListContainers: (c, cb) => cb(null, { containers: [{ id: 'c1', podSandboxId: 's1', metadata: { name: 'app', attempt: 2 }, image: { image: 'busybox' }, imageRef: 'sha256:aa', state: 'CONTAINER_EXITED', createdAt: NS, labels: { a: 'b' } }].filter((x) => !c.request.filter?.id || x.id === c.request.filter.id) }),
    ContainerStatus: (c, cb) => c.request.containerId === 'c1'
      ? cb(null, { status: { id: 'c1', metadata: { name: 'app', attempt: 2 }, state: 'CONTAINER_EXITED', createdAt: NS, startedAt: NS + 1e9, finishedAt: NS + 2e9, exitCode: 137, reason: 'OOMKilled', image: { image: 'busybox' }, imageRef: 'sha256:aa', logPath: '/logs/app/2.log' } })
      : cb({ code: grpc.status.NOT_FOUND, details: `an error occurred when try to find container "${c.request.containerId}": not found` } as grpc.ServiceError),
    CreateContainer: (c, cb) => { lastCreate = c.request; cb(null, { containerId: 'c9' }); },
    ExecSync: (_c, cb) => { setTimeout(() => cb(null, { stdout: Buffer.from('late'), exitCode: 0 }), 1_000).unref(); },
  };
  const image: Record<string, Handler> = {
    PullImage: (c, cb) => { lastPull = c.request; cb({ code: grpc.status.NOT_FOUND, details: 'failed to pull and unpack image "127.0.0.1:5000/nope:1": failed to resolve reference "127.0.0.1:5000/nope:1": 127.0.0.1:5000/nope:1: not found' } as grpc.ServiceError); },
    ImageStatus: (_c, cb) => cb(null, {}),
  };
  const impl = (svc: grpc.ServiceClientConstructor, h: Record<string, Handler>) =>
    Object.fromEntries(Object.keys(svc.service).map((m) => [m, h[m] ?? unimpl]));
  server.addService(RuntimeService.service, impl(RuntimeService, runtime));
  server.addService(ImageService.service, impl(ImageService, image));
  dir = mkdtempSync(join(tmpdir(), 'skiff-cri-'));
  await new Promise<void>((res, rej) => server.bindAsync(`unix://${dir}/cri.sock`, grpc.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
  rt = newRemoteRuntime(join(dir, 'cri.sock'), { requestTimeoutMs: 300 });
});

after(async () => {
  await rt?.close();
  await new Promise<void>((res) => { server.forceShutdown(); res(); });
  rmSync(dir, { recursive: true, force: true });
});

test('Version announces CRI v1', async () => {
  assert.deepEqual(await rt.version(), { version: 'v1', runtimeName: 'fake', runtimeVersion: '1.0.0', runtimeApiVersion: 'v1' });
});

test('Status keeps conditions with their reasons', async () => {
  const s = await rt.status();
  assert.deepEqual(s.conditions[1], { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni plugin not initialized' });
});

test('ContainerStatus: ns -> ms, enum names, reason, and the sandbox id found by listing', async () => {
  const s = await rt.containerStatus('c1');
  assert.equal(s.createdAtMs, Math.floor(NS / 1e6));
  assert.equal(s.finishedAtMs - s.startedAtMs, 1000);
  assert.equal(s.state, 'CONTAINER_EXITED');
  assert.equal(s.exitCode, 137);
  assert.equal(s.reason, 'OOMKilled');
  assert.equal(s.podSandboxId, 's1');
  assert.equal(s.metadata.attempt, 2);
});

test('a missing container is NOT_FOUND with the runtime\'s words', async () => {
  await assert.rejects(rt.containerStatus('zz'), (e: unknown) => {
    assert.ok(e instanceof CriError);
    assert.equal(e.code, CriCode.NOT_FOUND);
    assert.equal(e.message, 'rpc error: code = NotFound desc = an error occurred when try to find container "zz": not found');
    return true;
  });
});

test('a failed pull carries the registry\'s message, as the kubelet shows it in ErrImagePull', async () => {
  await assert.rejects(rt.pullImage({ image: '127.0.0.1:5000/nope:1' }, { username: 'u', password: 'p' }), /^CriError: rpc error: code = NotFound desc = failed to pull and unpack image "127\.0\.0\.1:5000\/nope:1".*not found$/);
  assert.equal(lastPull.image.image, '127.0.0.1:5000/nope:1');
  assert.equal(lastPull.auth.username, 'u');
});

test('an absent image has no status', async () => {
  assert.equal(await rt.imageStatus({ image: 'busybox' }), undefined);
});

test('CreateContainer sends CRI\'s shapes: enums by name, wrappers for uids, defaults filled in', async () => {
  const sb = { metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 0 }, portMappings: [{ protocol: 'UDP' as const, containerPort: 53 }] };
  const id = await rt.createContainer('s1', { metadata: { name: 'app', attempt: 0 }, image: { image: 'busybox' }, mounts: [{ containerPath: '/a', hostPath: '/b', propagation: 'PROPAGATION_HOST_TO_CONTAINER' }], linux: { resources: { memoryLimitInBytes: 64 * 2 ** 20 }, securityContext: { runAsUser: 1000 } } }, sb);
  assert.equal(id, 'c9');
  assert.equal(lastCreate.config.mounts[0].propagation, 'PROPAGATION_HOST_TO_CONTAINER');
  assert.equal(Number(lastCreate.config.linux.resources.memoryLimitInBytes), 64 * 2 ** 20);
  assert.equal(Number(lastCreate.config.linux.securityContext.runAsUser.value), 1000);
  assert.equal(lastCreate.sandboxConfig.portMappings[0].protocol, 'UDP');
  assert.equal(lastCreate.podSandboxId, 's1');
});

test('a call past its deadline is DEADLINE_EXCEEDED', async () => {
  await assert.rejects(rt.execSync('c1', ['true'], 0.2), (e: unknown) => e instanceof CriError && e.code === CriCode.DEADLINE_EXCEEDED);
});

test('an unimplemented RPC is UNIMPLEMENTED', async () => {
  await assert.rejects(rt.listPodSandbox(), (e: unknown) => e instanceof CriError && e.code === CriCode.UNIMPLEMENTED);
});
