/**
 * End-to-end: `kubectl logs`, `exec` and `port-forward` through a real `skiff server` to a
 * KubeletServer started here, for kubectl 1.27 (SPDY only) and 1.33 (WebSocket v5 for exec, SPDY
 * tunnelled in WebSocket for port-forward). The kubelet's host is a small double: pods come from
 * the API, containers are a CRI log file written by the test, and exec/port-forward are served by
 * the StreamingServer with host processes and loopback TCP (as the process runtime does).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, appendFile, readFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { NO_COMPONENTS, until } from '../support/controllers.js';
import { kubectl, kubectlVersions } from '../support/kubectl.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { issueCert } from '../../src/apiserver/pki/certs.js';
import { KubeletServer, type KubeletHost } from '../../src/kubelet/server/server.js';
import { StreamingServer, execHostProcess, forwardToLocalPort } from '../../src/kubelet/server/streaming-server.js';

const NS = 'default';
const NODE = 'stream-node';
const VERSIONS = kubectlVersions().filter((v) => v.name === '1.27' || v.name === '1.33');

/** kubectl left running (port-forward, logs -f), stopped by PID. */
function kubectlBackground(bin: string, kubeconfig: string, args: string[]): { proc: ChildProcess; out: () => string; err: () => string; exited: Promise<number> } {
  const proc = spawn(bin, ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stdout!.on('data', (b) => (out += b));
  proc.stderr!.on('data', (b) => (err += b));
  const exited = new Promise<number>((r) => proc.on('close', (c) => r(c ?? -1)));
  return { proc, out: () => out, err: () => err, exited };
}

function stopProc(p: ChildProcess): void { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); }

describe('kubectl logs, exec and port-forward through the API server to a kubelet', { skip: VERSIONS.length === 0 ? 'no kubectl 1.27/1.33' : false }, () => {
  let srv: SkiffServer;
  let cs: Clientset;
  let dir: string;
  let kubelet: KubeletServer;
  let streaming: StreamingServer;
  let echo: Server;
  let echoPort: number;
  const pods = new Map<string, any>();
  const states = new Map<string, 'CONTAINER_RUNNING' | 'CONTAINER_EXITED'>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-streaming-'));
    srv = await startSkiffServer({ args: NO_COMPONENTS });
    cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-e2e/streaming' });

    streaming = new StreamingServer({
      exec: (_id, cmd, io) => execHostProcess({ argv: cmd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: dir }, io),
      attach: async (_id, io) => { io.stdout?.write('attached\n'); },
      portForward: (_sandbox, port, stream) => forwardToLocalPort(port, stream),
    });
    await streaming.start();
    const runtime = {
      exec: async (r: any) => streaming.getExec(r),
      attach: async (r: any) => streaming.getAttach(r),
      portForward: async (r: any) => streaming.getPortForward(r),
      containerStatus: async (id: string) => ({ state: states.get(id) ?? 'CONTAINER_EXITED' }),
    } as any;
    const host: KubeletHost = {
      runtime,
      getPodByName: (ns, name) => pods.get(`${ns}/${name}`),
      containerFor: async (uid, name, previous) => {
        const id = `${uid}-${name}${previous ? '-prev' : ''}`;
        return states.has(id) ? { id, logPath: join(dir, `${id}.log`) } : undefined;
      },
      sandboxFor: async (uid) => `sandbox-${uid}`,
      listPods: () => [...pods.values()],
    };
    const pki = join(srv.dataDir, 'pki');
    const ca = { certPem: await readFile(join(pki, 'ca.crt'), 'utf8'), keyPem: await readFile(join(pki, 'ca.key'), 'utf8') };
    const serving = await issueCert(ca, { commonName: `system:node:${NODE}`, organizations: ['system:nodes'], usage: 'server', ipAddresses: ['127.0.0.1'] });
    kubelet = new KubeletServer({ host, address: '127.0.0.1', port: 0, certPem: serving.certPem, keyPem: serving.keyPem, clientCAPem: ca.certPem });
    const port = await kubelet.start();

    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    echoPort = (echo.address() as any).port;

    await cs.nodes.create('', {
      apiVersion: 'v1', kind: 'Node', metadata: { name: NODE },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
    });
    const mk = async (name: string, containers: string[], nodeName?: string) => {
      let p = await cs.pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...(nodeName ? { nodeName } : {}), containers: containers.map((c) => ({ name: c, image: 'busybox' })) } });
      if (nodeName) {
        // kubectl port-forward and attach refuse pods that are not Running.
        p.status = { ...p.status, phase: 'Running', containerStatuses: containers.map((c) => ({ name: c, ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: new Date().toISOString() } } })) };
        p = await cs.pods.updateStatus(NS, p);
      }
      pods.set(`${NS}/${name}`, p);
      return p;
    };
    const app = await mk('app', ['app'], NODE);
    const two = await mk('two', ['first', 'second'], NODE);
    await mk('unbound', ['c']);
    const appId = `${app.metadata.uid}-app`;
    states.set(appId, 'CONTAINER_EXITED');
    await writeFile(join(dir, `${appId}.log`), [
      '2026-01-01T00:00:00.000000001Z stdout F line one',
      '2026-01-01T00:00:01.000000000Z stderr F line two',
      '2026-01-01T00:00:02.000000000Z stdout P part',
      '2026-01-01T00:00:02.100000000Z stdout F ial three',
      '',
    ].join('\n'));
    states.set(`${two.metadata.uid}-first`, 'CONTAINER_RUNNING');
    await writeFile(join(dir, `${two.metadata.uid}-first.log`), '2026-01-01T00:00:00Z stdout F started\n');
    states.set(`${two.metadata.uid}-second`, 'CONTAINER_RUNNING');
  });

  after(async () => {
    await kubelet?.stop();
    await streaming?.stop();
    await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
    cs?.close();
    await srv?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('explains where a stream cannot go, in Kubernetes\' words', async () => {
    const k = VERSIONS[VERSIONS.length - 1]!.path;
    const r1 = await kubectl(k, srv.kubeconfig, ['logs', 'two', '-c', 'nope']);
    assert.notEqual(r1.code, 0);
    assert.match(r1.stderr, /container nope is not valid for pod two/);
    const r2 = await kubectl(k, srv.kubeconfig, ['logs', 'unbound']);
    assert.match(r2.stderr, /pod unbound does not have a host assigned/);
    const r3 = await kubectl(k, srv.kubeconfig, ['logs', 'missing']);
    assert.match(r3.stderr, /pods "missing" not found/);
    const r4 = await cs.transport.request('GET', `/api/v1/namespaces/${NS}/pods/two/log`);
    assert.equal(r4.status, 400);
    assert.match(r4.body, /a container name must be specified for pod two, choose one of: \[first second\]/);
  });

  for (const v of VERSIONS) {
    describe(`kubectl ${v.name}`, () => {
      it('logs, with --tail and --timestamps', async () => {
        const all = await kubectl(v.path, srv.kubeconfig, ['logs', 'app']);
        assert.equal(all.code, 0, all.stderr);
        assert.equal(all.stdout, 'line one\nline two\npartial three\n');
        const tail = await kubectl(v.path, srv.kubeconfig, ['logs', 'app', '--tail=1']);
        assert.equal(tail.stdout, 'partial three\n');
        const ts = await kubectl(v.path, srv.kubeconfig, ['logs', 'app', '--timestamps', '--tail=2']);
        assert.equal(ts.stdout, '2026-01-01T00:00:01.000000000Z line two\n2026-01-01T00:00:02.000000000Z partial three\n');
        const limit = await kubectl(v.path, srv.kubeconfig, ['logs', 'app', '--limit-bytes=4']);
        assert.equal(limit.stdout, 'line');
      });

      it('logs -f follows the file until the container stops', async () => {
        const two = pods.get(`${NS}/two`);
        const id = `${two.metadata.uid}-second`;
        const path = join(dir, `${id}.log`);
        await writeFile(path, '2026-01-01T00:00:00Z stdout F first\n');
        states.set(id, 'CONTAINER_RUNNING');
        const f = kubectlBackground(v.path, srv.kubeconfig, ['logs', '-f', 'two', '-c', 'second']);
        try {
          await until(() => f.out().includes('first\n'), 'the first line');
          await appendFile(path, `${new Date().toISOString()} stdout F second line\n`);
          await until(() => f.out().includes('second line\n'), 'a line written while following');
          states.set(id, 'CONTAINER_EXITED');
          assert.equal(await f.exited, 0, f.err());
        } finally { stopProc(f.proc); }
      });

      it('exec prints the output and returns the exit code', async () => {
        const r = await kubectl(v.path, srv.kubeconfig, ['exec', 'app', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
        assert.equal(r.code, 3, r.stderr);
        assert.equal(r.stdout, 'hi\n');
        assert.match(r.stderr, /oops/);
        const ok = await kubectl(v.path, srv.kubeconfig, ['exec', 'app', '--', 'sh', '-c', 'echo fine']);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stdout, 'fine\n');
      });

      it('exec -i passes stdin', async () => {
        const r = await kubectl(v.path, srv.kubeconfig, ['exec', '-i', 'app', '--', 'sh', '-c', 'tr a-z A-Z'], 'hello stdin\n');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'HELLO STDIN\n');
      });

      it('port-forward reaches a TCP server', async () => {
        const pf = kubectlBackground(v.path, srv.kubeconfig, ['port-forward', 'pod/app', `:${echoPort}`]);
        try {
          const m = await until(() => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(pf.out()), `port-forward to listen (${pf.err()})`);
          const local = Number(m[1]);
          for (const msg of ['ping one\n', 'ping two\n']) {
            const got = await new Promise<string>((resolve, reject) => {
              const s = connect(local, '127.0.0.1');
              let buf = '';
              s.on('data', (b) => { buf += b; if (buf.length >= msg.length) { s.end(); resolve(buf); } });
              s.on('error', reject);
              s.write(msg);
            });
            assert.equal(got, msg);
          }
        } finally { stopProc(pf.proc); await pf.exited; }
      });
    });
  }
});
