/**
 * @module kubelet/cri/testing/contract
 * The runtime contract suite: the CRI semantics every `Runtime` must share, written once and run
 * against each implementation (containerd over CRI, the process runtime, the simulated runtime), as
 * storage's `store_tests.go` is run against every storage backend upstream. What it checks follows
 * CRI's api.proto and cri-tools' `pkg/validate` (critest): lifecycle states, exit codes and reasons,
 * CRI log format, env/args/workingDir, graceful stop, execSync, NOT_FOUND, sandbox tear-down, mounts.
 *
 * Containers run busybox-style commands (`sh -c ...`) so the same tests hold on containerd with a
 * busybox image and on the process runtime with the host's /bin/sh. Runtimes that cannot do
 * something declare it in `capabilities`, and those tests are skipped (not silently passed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CriCode, CriError, type ContainerConfig, type ContainerStatus, type PodSandboxConfig, type Runtime } from '../api.js';

/** What a runtime can do; anything left out defaults to true except `oom` (needs cgroups) and `readonlyMounts`. */
export interface RuntimeCapabilities {
  /** exec/attach/portForward answer with a streaming URL. */
  exec?: boolean;
  /** A memory limit is enforced and an OOM kill is reported as reason `OOMKilled`. */
  oom?: boolean;
  /** Sandboxes get an IP address. */
  network?: boolean;
  /** Containers really run their commands (false for the simulated runtime): logs, env, traps, execSync output. */
  processes?: boolean;
  /** Host directories can be mounted into containers. */
  mounts?: boolean;
  /** A readonly mount refuses writes. */
  readonlyMounts?: boolean;
  /**
   * A shell expression that container paths are relative to inside the container: '' for real
   * containers; the process runtime, which has no mount namespace, uses `$SKIFF_CONTAINER_ROOT`.
   */
  containerRoot?: string;
}

/** What the suite needs from a runtime under test. */
export interface RuntimeUnderTest {
  runtime: Runtime;
  /** A busybox-like image reference the runtime can pull and run. */
  image: string;
  cleanup(): Promise<void>;
  capabilities?: RuntimeCapabilities;
  /** Per-call deadline for waits, in ms (default 20 s). */
  waitMs?: number;
}

/** Poll `cond` until truthy, failing with `what` after `ms`: the suite never depends on timing luck. */
async function until<T>(cond: () => T | Promise<T>, what: string, ms: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try { const v = await cond(); if (v) return v as NonNullable<T>; } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const CRI_LOG_LINE = /^(\S+) (stdout|stderr) (F|P) (.*)$/;

/** Parse a CRI log file into its records, checking each line's shape on the way. */
export function parseCriLog(text: string): { time: string; stream: 'stdout' | 'stderr'; tag: 'F' | 'P'; content: string }[] {
  return text.split('\n').filter((l) => l.length > 0).map((line) => {
    const m = CRI_LOG_LINE.exec(line);
    if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(line)}`);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(m[1]!)) throw new Error(`not an RFC3339Nano time: ${m[1]}`);
    return { time: m[1]!, stream: m[2] as 'stdout' | 'stderr', tag: m[3] as 'F' | 'P', content: m[4]! };
  });
}

/**
 * Register the contract tests (node:test `describe`/`it`) for one runtime. `setup` runs once before
 * the tests and its `cleanup` once after them; every test removes the sandboxes it made.
 */
export function runRuntimeContract(name: string, setup: () => Promise<RuntimeUnderTest>): void {
  describe(`CRI runtime contract: ${name}`, () => {
    let ut: RuntimeUnderTest;
    let rt: Runtime;
    let caps: Required<RuntimeCapabilities>;
    let work: string;
    let wait: number;
    // A label unique to this run, so listing on a shared runtime (containerd) sees only our sandboxes.
    const run = randomBytes(4).toString('hex');
    const made: string[] = [];

    before(async () => {
      ut = await setup();
      rt = ut.runtime;
      wait = ut.waitMs ?? 20_000;
      const c = ut.capabilities ?? {};
      caps = { exec: c.exec ?? true, oom: c.oom ?? false, network: c.network ?? true, processes: c.processes ?? true, mounts: c.mounts ?? true, readonlyMounts: c.readonlyMounts ?? false, containerRoot: c.containerRoot ?? '' };
      work = await mkdtemp(join(tmpdir(), `cri-contract-${run}-`));
      await rt.pullImage({ image: ut.image });
    });

    after(async () => {
      for (const id of made) await rt.removePodSandbox(id).catch(() => undefined);
      if (ut) await ut.cleanup();
      if (work) await rm(work, { recursive: true, force: true });
    });

    /** A fresh sandbox config: unique name/uid, its own log directory, the run label. */
    async function sandboxConfig(pod: string, labels: Record<string, string> = {}): Promise<PodSandboxConfig> {
      const uid = randomBytes(8).toString('hex');
      const logDirectory = join(work, `contract_${pod}_${uid}`);
      await mkdir(logDirectory, { recursive: true });
      return {
        metadata: { name: pod, uid, namespace: 'contract', attempt: 0 },
        hostname: pod,
        logDirectory,
        labels: { 'io.kubernetes.pod.name': pod, 'io.kubernetes.pod.namespace': 'contract', 'io.kubernetes.pod.uid': uid, 'contract-run': run, ...labels },
        annotations: { 'contract/annotation': 'sandbox' },
        linux: {},
      };
    }

    async function sandbox(pod: string, labels?: Record<string, string>): Promise<{ id: string; config: PodSandboxConfig }> {
      const config = await sandboxConfig(pod, labels);
      const id = await rt.runPodSandbox(config);
      made.push(id);
      return { id, config };
    }

    /** Create a container running `sh -c script` (the kubelet makes the log dir, so do we). */
    async function container(sb: { id: string; config: PodSandboxConfig }, cname: string, script: string, extra: Partial<ContainerConfig> = {}): Promise<string> {
      await mkdir(join(sb.config.logDirectory!, cname), { recursive: true });
      const config: ContainerConfig = {
        metadata: { name: cname, attempt: 0 },
        image: { image: ut.image },
        command: ['sh', '-c', script],
        logPath: `${cname}/0.log`,
        labels: { 'io.kubernetes.container.name': cname, 'io.kubernetes.pod.uid': sb.config.metadata.uid, 'contract-run': run },
        annotations: { 'io.kubernetes.container.restartCount': '0' },
        ...extra,
      };
      return rt.createContainer(sb.id, config, sb.config);
    }

    const exited = (id: string): Promise<ContainerStatus> =>
      until(async () => { const s = await rt.containerStatus(id); return s.state === 'CONTAINER_EXITED' ? s : undefined; }, `container ${id} to exit`, wait);

    async function logOf(id: string): Promise<string> {
      const s = await rt.containerStatus(id);
      return readFile(s.logPath, 'utf8').catch(() => '');
    }
    const logHas = (id: string, text: string): Promise<string> =>
      until(async () => { const l = await logOf(id); return l.includes(text) ? l : undefined; }, `log of ${id} to contain ${JSON.stringify(text)}`, wait);

    async function expectNotFound(p: Promise<unknown>, what: string): Promise<void> {
      await assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof CriError, `${what}: expected a CriError, got ${String(e)}`);
        assert.equal(e.code, CriCode.NOT_FOUND, `${what}: expected NOT_FOUND, got code ${e.code} (${e.message})`);
        return true;
      });
    }

    describe('runtime', () => {
      it('reports its version over CRI v1', async () => {
        const v = await rt.version();
        assert.ok(v.runtimeName.length > 0);
        assert.ok(v.runtimeVersion.length > 0);
        assert.equal(v.runtimeApiVersion, 'v1');
      });

      it('reports RuntimeReady and NetworkReady conditions as true', async () => {
        const st = await rt.status();
        for (const type of ['RuntimeReady', 'NetworkReady']) {
          const c = st.conditions.find((x) => x.type === type);
          assert.ok(c, `condition ${type} present`);
          assert.equal(c.status, true, `${type}: ${c.reason} ${c.message}`);
        }
      });
    });

    describe('images', () => {
      it('pulls idempotently and reports the image', async () => {
        const a = await rt.pullImage({ image: ut.image });
        const b = await rt.pullImage({ image: ut.image });
        assert.ok(a.length > 0);
        assert.equal(a, b);
        const st = await rt.imageStatus({ image: ut.image });
        assert.ok(st, 'imageStatus of a pulled image');
        assert.equal(st.id, a);
        const all = await rt.listImages();
        assert.ok(all.some((i) => i.id === a), 'listImages includes the pulled image');
      });

      it('reports no status for an image that is not present', async () => {
        assert.equal(await rt.imageStatus({ image: `contract-absent-${run}:v0` }), undefined);
      });
    });

    describe('pod sandboxes', () => {
      it('runs a sandbox that is READY and lists it by label and id', async () => {
        const sb = await sandbox('ready', { 'contract-pick': 'me' });
        const other = await sandbox('other');
        const st = await rt.podSandboxStatus(sb.id);
        assert.equal(st.id, sb.id);
        assert.equal(st.state, 'SANDBOX_READY');
        assert.deepEqual(st.metadata, sb.config.metadata);
        assert.equal(st.labels['contract-pick'], 'me');
        assert.equal(st.annotations['contract/annotation'], 'sandbox');
        assert.ok(st.createdAtMs > 0 && st.createdAtMs <= Date.now() + 1000);
        if (caps.network) assert.match(st.network?.ip ?? '', /^\d+\.\d+\.\d+\.\d+$|:/, 'sandbox has an IP');
        // The kubelet compares this with its pod's mode and re-creates the sandbox when they differ.
        assert.equal(st.linux?.namespaces?.options?.network ?? 'POD', 'POD', 'network namespace mode reported as asked');

        const picked = await rt.listPodSandbox({ labelSelector: { 'contract-pick': 'me', 'contract-run': run } });
        assert.deepEqual(picked.map((s) => s.id), [sb.id]);
        const byId = await rt.listPodSandbox({ id: sb.id });
        assert.deepEqual(byId.map((s) => s.id), [sb.id]);
        const ours = await rt.listPodSandbox({ labelSelector: { 'contract-run': run }, state: 'SANDBOX_READY' });
        assert.ok(ours.some((s) => s.id === other.id) && ours.some((s) => s.id === sb.id));
        await rt.removePodSandbox(other.id);
        await rt.removePodSandbox(sb.id);
      });

      it('stopPodSandbox stops its containers; removePodSandbox removes it and them, idempotently', async () => {
        const sb = await sandbox('teardown');
        const c = await container(sb, 'sleeper', 'sleep 1000');
        await rt.startContainer(c);
        await rt.stopPodSandbox(sb.id);
        assert.equal((await rt.podSandboxStatus(sb.id)).state, 'SANDBOX_NOTREADY');
        assert.equal((await exited(c)).state, 'CONTAINER_EXITED');
        await rt.stopPodSandbox(sb.id); // idempotent
        await rt.removePodSandbox(sb.id);
        await expectNotFound(rt.podSandboxStatus(sb.id), 'podSandboxStatus after remove');
        await expectNotFound(rt.containerStatus(c), 'containerStatus of a removed sandbox\'s container');
        assert.deepEqual(await rt.listPodSandbox({ id: sb.id }), []);
        await rt.removePodSandbox(sb.id); // idempotent
      });
    });

    describe('containers', () => {
      it('creates (CREATED), starts (RUNNING with startedAt) and lists with filters', async () => {
        const sb = await sandbox('lifecycle');
        const c = await container(sb, 'main', 'sleep 1000', { annotations: { 'io.kubernetes.container.restartCount': '0', 'contract/a': 'b' } });
        let st = await rt.containerStatus(c);
        assert.equal(st.state, 'CONTAINER_CREATED');
        assert.equal(st.podSandboxId, sb.id);
        assert.deepEqual(st.metadata, { name: 'main', attempt: 0 });
        assert.equal(st.labels['io.kubernetes.container.name'], 'main');
        assert.equal(st.annotations['contract/a'], 'b');
        assert.ok(st.imageRef.length > 0, 'imageRef');
        assert.equal(st.logPath, join(sb.config.logDirectory!, 'main/0.log'));
        assert.equal(st.startedAtMs, 0);
        const before = Date.now();
        await rt.startContainer(c);
        st = await rt.containerStatus(c);
        assert.equal(st.state, 'CONTAINER_RUNNING');
        assert.ok(st.startedAtMs >= before - 1000 && st.startedAtMs <= Date.now() + 1000, `startedAt ${st.startedAtMs}`);
        assert.equal(st.finishedAtMs, 0);

        assert.deepEqual((await rt.listContainers({ podSandboxId: sb.id })).map((x) => x.id), [c]);
        assert.deepEqual((await rt.listContainers({ id: c })).map((x) => x.id), [c]);
        assert.deepEqual((await rt.listContainers({ podSandboxId: sb.id, state: 'CONTAINER_EXITED' })), []);
        assert.deepEqual((await rt.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': sb.config.metadata.uid } })).map((x) => x.id), [c]);
        await rt.stopContainer(c, 0);
        assert.equal((await exited(c)).exitCode, 137, 'SIGKILL after a zero grace period');
        await rt.removePodSandbox(sb.id);
      });

      it('a container that exits 0 is EXITED with reason Completed', async () => {
        const sb = await sandbox('complete');
        const c = await container(sb, 'ok', 'exit 0');
        await rt.startContainer(c);
        const st = await exited(c);
        assert.equal(st.exitCode, 0);
        assert.equal(st.reason, 'Completed');
        assert.ok(st.finishedAtMs >= st.startedAtMs && st.startedAtMs > 0);
        await rt.removePodSandbox(sb.id);
      });

      it('a container that exits 3 is EXITED with reason Error and exitCode 3', async () => {
        const sb = await sandbox('error');
        const c = await container(sb, 'bad', 'exit 3');
        await rt.startContainer(c);
        const st = await exited(c);
        assert.equal(st.exitCode, 3);
        assert.equal(st.reason, 'Error');
        await rt.removePodSandbox(sb.id);
      });

      it('removeContainer forcibly removes; then containerStatus is NOT_FOUND; remove is idempotent', async () => {
        const sb = await sandbox('remove');
        const c = await container(sb, 'gone', 'sleep 1000');
        await rt.startContainer(c);
        await rt.removeContainer(c);
        await expectNotFound(rt.containerStatus(c), 'containerStatus after remove');
        assert.deepEqual(await rt.listContainers({ id: c }), []);
        await rt.removeContainer(c);
        await expectNotFound(rt.startContainer(c), 'startContainer of a removed container');
        await rt.removePodSandbox(sb.id);
      });

      it('stopContainer of an exited container is a no-op', async () => {
        const sb = await sandbox('stopped');
        const c = await container(sb, 'done', 'exit 0');
        await rt.startContainer(c);
        await exited(c);
        await rt.stopContainer(c, 1);
        assert.equal((await rt.containerStatus(c)).exitCode, 0);
        await rt.removePodSandbox(sb.id);
      });
    });

    describe('processes', () => {
      it('writes stdout and stderr to the log file in CRI log format', async (t) => {
        if (!caps.processes) return t.skip('runtime runs no processes');
        const sb = await sandbox('logs');
        const c = await container(sb, 'logger', 'echo to-out; echo to-err >&2; echo "two words"');
        await rt.startContainer(c);
        await exited(c);
        const log = await logHas(c, 'two words');
        const recs = parseCriLog(log);
        assert.ok(recs.some((r) => r.stream === 'stdout' && r.tag === 'F' && r.content === 'to-out'), log);
        assert.ok(recs.some((r) => r.stream === 'stderr' && r.tag === 'F' && r.content === 'to-err'), log);
        assert.ok(recs.some((r) => r.stream === 'stdout' && r.content === 'two words'), log);
        await rt.removePodSandbox(sb.id);
      });

      it('honours envs, args and workingDir', async (t) => {
        if (!caps.processes) return t.skip('runtime runs no processes');
        const sb = await sandbox('env');
        const c = await container(sb, 'env', '', {
          command: ['sh', '-c'],
          args: ['echo "env=$CONTRACT_FOO arg=$1"; echo "cwd=$(pwd)"', 'zero', 'first'],
          envs: [{ key: 'CONTRACT_FOO', value: 'bar baz' }],
          workingDir: '/tmp',
        });
        await rt.startContainer(c);
        await exited(c);
        const log = await logHas(c, 'cwd=');
        const out = parseCriLog(log).map((r) => r.content);
        assert.ok(out.includes('env=bar baz arg=first'), log);
        assert.ok(out.includes('cwd=/tmp'), log);
        await rt.removePodSandbox(sb.id);
      });

      it('stopContainer sends SIGTERM first: a container that traps it exits on its own', async (t) => {
        if (!caps.processes) return t.skip('runtime runs no processes');
        const sb = await sandbox('term');
        const c = await container(sb, 'term', "trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 1; done");
        await rt.startContainer(c);
        await logHas(c, 'ready');
        const t0 = Date.now();
        await rt.stopContainer(c, 30);
        const st = await exited(c);
        assert.ok(Date.now() - t0 < 15_000, 'exited well before the 30 s grace period');
        assert.equal(st.exitCode, 0);
        assert.equal(st.reason, 'Completed');
        await logHas(c, 'got-term');
        await rt.removePodSandbox(sb.id);
      });

      it('stopContainer sends SIGKILL after the grace period to a container ignoring SIGTERM (137)', async (t) => {
        if (!caps.processes) return t.skip('runtime runs no processes');
        const sb = await sandbox('kill');
        const c = await container(sb, 'stubborn', "trap '' TERM; echo ready; while true; do sleep 1; done");
        await rt.startContainer(c);
        await logHas(c, 'ready');
        const t0 = Date.now();
        await rt.stopContainer(c, 2);
        const st = await exited(c);
        const took = Date.now() - t0;
        assert.ok(took >= 1900, `waited the 2 s grace period before SIGKILL (took ${took} ms)`);
        assert.equal(st.exitCode, 137);
        assert.equal(st.reason, 'Error');
        await rt.removePodSandbox(sb.id);
      });

      it('execSync returns stdout, stderr and the exit code', async (t) => {
        if (!caps.processes) return t.skip('runtime runs no processes');
        const sb = await sandbox('exec');
        const c = await container(sb, 'target', 'sleep 1000', { envs: [{ key: 'CONTRACT_EXEC', value: 'seen' }] });
        await rt.startContainer(c);
        const r = await rt.execSync(c, ['sh', '-c', 'echo "out $CONTRACT_EXEC"; echo err >&2; exit 4'], 10);
        assert.equal(r.stdout.toString(), 'out seen\n');
        assert.equal(r.stderr.toString(), 'err\n');
        assert.equal(r.exitCode, 4);
        const ok = await rt.execSync(c, ['true'], 10);
        assert.equal(ok.exitCode, 0);
        await rt.removePodSandbox(sb.id);
      });

      it('mounts a host directory at containerPath, writable unless readonly', async (t) => {
        if (!caps.processes || !caps.mounts) return t.skip('runtime runs no processes or has no mounts');
        const host = join(work, `mount-${randomBytes(3).toString('hex')}`);
        await mkdir(host, { recursive: true });
        await writeFile(join(host, 'greeting'), 'hello from the host\n');
        const sb = await sandbox('mounts');
        const root = caps.containerRoot;
        const c = await container(sb, 'reader', `cat "${root}/contract-mnt/greeting"; echo written > "${root}/contract-mnt/reply" && echo wrote-ok`, {
          mounts: [{ hostPath: host, containerPath: '/contract-mnt' }],
        });
        await rt.startContainer(c);
        const st = await exited(c);
        const log = await logHas(c, 'wrote-ok');
        assert.ok(parseCriLog(log).some((r) => r.content === 'hello from the host'), log);
        assert.equal(await readFile(join(host, 'reply'), 'utf8'), 'written\n');
        assert.equal(st.exitCode, 0);
        assert.ok(st.mounts.some((m) => m.containerPath === '/contract-mnt' && m.hostPath === host));

        if (caps.readonlyMounts) {
          const ro = await container(sb, 'ro', `echo no > "${root}/contract-mnt/denied" || echo refused`, {
            mounts: [{ hostPath: host, containerPath: '/contract-mnt', readonly: true }],
          });
          await rt.startContainer(ro);
          await exited(ro);
          await logHas(ro, 'refused');
        }
        await rt.removePodSandbox(sb.id);
      });

      it('a memory limit kills the container with reason OOMKilled', async (t) => {
        if (!caps.processes || !caps.oom) return t.skip('runtime enforces no memory limit');
        const sb = await sandbox('oom');
        // busybox tail buffers /dev/zero (no newlines) without bound.
        const c = await container(sb, 'hog', 'tail /dev/zero', { linux: { resources: { memoryLimitInBytes: 32 * 1024 * 1024 } } });
        await rt.startContainer(c);
        const st = await exited(c);
        assert.equal(st.reason, 'OOMKilled');
        assert.equal(st.exitCode, 137);
        await rt.removePodSandbox(sb.id);
      });
    });

    describe('streaming', () => {
      it('exec, attach and portForward answer with a URL', async (t) => {
        if (!caps.exec) return t.skip('runtime has no streaming server');
        const sb = await sandbox('stream');
        const c = await container(sb, 'sh', 'sleep 1000');
        await rt.startContainer(c);
        const e = await rt.exec({ containerId: c, cmd: ['sh'], tty: false, stdin: true, stdout: true, stderr: true });
        assert.match(e.url, /^https?:\/\//);
        const a = await rt.attach({ containerId: c, tty: false, stdin: false, stdout: true, stderr: true });
        assert.match(a.url, /^https?:\/\//);
        const p = await rt.portForward({ podSandboxId: sb.id, port: [8000] });
        assert.match(p.url, /^https?:\/\//);
        await rt.removePodSandbox(sb.id);
      });
    });
  });
}
