/**
 * @module kubelet/cri/process/process-runtime.test
 * The runtime contract against the process runtime, and what is its own: adopting containers after
 * an agent restart (alive, exited while down, killed while down), the image table, StartError.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runRuntimeContract, parseCriLog } from '../testing/contract.js';
import { ProcessRuntime } from './process-runtime.js';
import type { ContainerStatus, PodSandboxConfig, Runtime } from '../api.js';

runRuntimeContract('process', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'process-runtime-'));
  const runtime = new ProcessRuntime({ stateDir, pollMs: 50 });
  return {
    runtime,
    image: 'busybox',
    capabilities: { exec: true, oom: false, network: true, processes: true, mounts: true, readonlyMounts: false, containerRoot: '$SKIFF_CONTAINER_ROOT' },
    async cleanup() {
      for (const s of await runtime.listPodSandbox()) await runtime.removePodSandbox(s.id);
      await runtime.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
});

async function until<T>(cond: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const exited = (rt: Runtime, id: string): Promise<ContainerStatus> =>
  until(async () => { const s = await rt.containerStatus(id); return s.state === 'CONTAINER_EXITED' ? s : undefined; }, `${id} to exit`);

describe('ProcessRuntime', () => {
  async function fixture(o: { images?: Record<string, { entrypoint?: string[]; cmd?: string[]; env?: string[] }> } = {}) {
    const stateDir = await mkdtemp(join(tmpdir(), 'process-runtime-own-'));
    const logDirectory = join(stateDir, 'logs');
    await mkdir(logDirectory, { recursive: true });
    const sandboxConfig: PodSandboxConfig = { metadata: { name: 'p', uid: 'u1', namespace: 'ns', attempt: 0 }, logDirectory, labels: { 'io.kubernetes.pod.uid': 'u1' } };
    const open = () => new ProcessRuntime({ stateDir, pollMs: 50, images: o.images });
    let rt = open();
    await rt.pullImage({ image: 'busybox' });
    const sb = await rt.runPodSandbox(sandboxConfig);
    const run = async (name: string, script: string | undefined, extra: object = {}): Promise<string> => {
      const id = await rt.createContainer(sb, { metadata: { name, attempt: 0 }, image: { image: 'busybox' }, logPath: `${name}/0.log`, ...(script ? { command: ['sh', '-c', script] } : {}), ...extra }, sandboxConfig);
      await rt.startContainer(id);
      return id;
    };
    return {
      get rt() { return rt; }, sb, run, stateDir,
      async restart() { await rt.close(); rt = open(); },
      async cleanup() { await rt.removePodSandbox(sb).catch(() => undefined); await rt.close(); await rm(stateDir, { recursive: true, force: true }); },
    };
  }

  it('adopts a running container after a restart and can still stop it (SIGTERM -> 143)', async () => {
    const f = await fixture();
    try {
      const id = await f.run('adopted', 'echo before; sleep 1000');
      await until(async () => (await readFile(join(f.stateDir, 'logs/adopted/0.log'), 'utf8')).includes('before') || undefined, 'first output');
      await f.restart();
      const st = await f.rt.containerStatus(id);
      assert.equal(st.state, 'CONTAINER_RUNNING');
      assert.deepEqual((await f.rt.listContainers()).map((c) => c.id), [id]);
      await f.rt.stopContainer(id, 5);
      const end = await exited(f.rt, id);
      assert.equal(end.exitCode, 143);
      assert.equal(end.reason, 'Error');
    } finally { await f.cleanup(); }
  });

  it('reports the exit code of a container that exited while the agent was down, and its output', async () => {
    const f = await fixture();
    try {
      const id = await f.run('quits', 'sleep 0.5; echo late-line; exit 5');
      await f.restart();
      const end = await exited(f.rt, id);
      assert.equal(end.exitCode, 5);
      assert.equal(end.reason, 'Error');
      const log = parseCriLog(await readFile(end.logPath, 'utf8'));
      assert.ok(log.some((r) => r.content === 'late-line'));
    } finally { await f.cleanup(); }
  });

  it('reports exit code 255 and reason Unknown when even the shim was killed while the agent was down', async () => {
    const f = await fixture();
    try {
      const id = await f.run('lost', 'sleep 1000');
      const state = JSON.parse(await readFile(join(f.stateDir, 'state.json'), 'utf8'));
      const pid = state.containers.find((c: { id: string }) => c.id === id).pid as number;
      await f.rt.close();
      process.kill(-pid, 'SIGKILL');
      await f.restart();
      const end = await exited(f.rt, id);
      assert.equal(end.exitCode, 255);
      assert.equal(end.reason, 'Unknown');
    } finally { await f.cleanup(); }
  });

  it('runs the image table entrypoint/cmd/env when the container gives no command', async () => {
    const f = await fixture({ images: { busybox: { entrypoint: ['sh', '-c'], cmd: ['echo "img=$IMG_VAR"'], env: ['IMG_VAR=from-image'] } } });
    try {
      const id = await f.run('imaged', undefined);
      const end = await exited(f.rt, id);
      assert.equal(end.exitCode, 0);
      await until(async () => (await readFile(end.logPath, 'utf8')).includes('img=from-image') || undefined, 'image cmd output');
    } finally { await f.cleanup(); }
  });

  it('fails start of a missing command with StartError and exit code 128', async () => {
    const f = await fixture();
    try {
      await assert.rejects(f.run('missing', undefined, { command: ['no-such-binary-here'] }), /executable file not found in \$PATH/);
      const [c] = await f.rt.listContainers();
      const st = await f.rt.containerStatus(c!.id);
      assert.equal(st.state, 'CONTAINER_EXITED');
      assert.equal(st.reason, 'StartError');
      assert.equal(st.exitCode, 128);
    } finally { await f.cleanup(); }
  });

  it('kills the whole process group when the main process exits', async () => {
    const f = await fixture();
    try {
      const id = await f.run('bg', 'sleep 1000 & echo $! > "$SKIFF_CONTAINER_ROOT/bgpid"; exit 0');
      const st = await exited(f.rt, id);
      const bg = Number((await readFile(join(f.stateDir, 'containers', id, 'root', 'bgpid'), 'utf8')).trim());
      await until(async () => { try { process.kill(bg, 0); return undefined; } catch { return true; } }, 'background process to die');
      assert.equal(st.exitCode, 0);
    } finally { await f.cleanup(); }
  });

  it('execSync past its timeout fails with DEADLINE_EXCEEDED', async () => {
    const f = await fixture();
    try {
      const id = await f.run('slow', 'sleep 1000');
      await assert.rejects(f.rt.execSync(id, ['sleep', '30'], 1), (e: any) => e.code === 4);
      const stats = await f.rt.listContainerStats({ id });
      assert.equal(stats.length, 1);
      assert.ok((stats[0]!.memoryWorkingSetBytes ?? 0) > 0);
    } finally { await f.cleanup(); }
  });

  it('serves exec and attach through its streaming backend, and hands out streaming URLs', async () => {
    const f = await fixture();
    try {
      const id = await f.run('streamed', 'while true; do echo tick; sleep 0.1; done', { envs: [{ key: 'STREAM_VAR', value: 'v1' }], workingDir: '/tmp' });
      const backend = f.rt.streamingBackend();
      const out = new PassThrough(); const err = new PassThrough();
      let text = ''; out.on('data', (b: Buffer) => { text += b.toString(); });
      const code = await backend.exec(id, ['sh', '-c', 'echo "$STREAM_VAR $(pwd)"; exit 6'], { stdout: out, stderr: err, tty: false, onResize: () => undefined });
      assert.equal(code, 6);
      assert.equal(text, 'v1 /tmp\n');

      const aout = new PassThrough();
      let seen = ''; aout.on('data', (b: Buffer) => { seen += b.toString(); });
      const attached = backend.attach(id, { stdout: aout, stderr: new PassThrough(), tty: false, onResize: () => undefined });
      await until(async () => seen.includes('tick') || undefined, 'attached output');
      aout.destroy();
      await attached;

      const { url } = await f.rt.exec({ containerId: id, cmd: ['sh'], tty: false, stdin: true, stdout: true, stderr: true });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
    } finally { await f.cleanup(); }
  });

  it('without a streaming server, exec/attach/portForward are UNIMPLEMENTED', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'process-runtime-nostream-'));
    const rt = new ProcessRuntime({ stateDir, streaming: false });
    try {
      const sb = await rt.runPodSandbox({ metadata: { name: 'n', uid: 'n', namespace: 'n', attempt: 0 } });
      await assert.rejects(rt.portForward({ podSandboxId: sb, port: [80] }), (e: any) => e.code === 12);
    } finally { await rt.close(); await rm(stateDir, { recursive: true, force: true }); }
  });
});
