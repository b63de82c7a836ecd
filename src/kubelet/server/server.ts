/**
 * @module kubelet/server/server
 * The kubelet's HTTPS API (pkg/kubelet/server): `/healthz`, `/pods`, `/stats/summary`, `/metrics`,
 * `/containerLogs/{ns}/{pod}/{container}` read from the CRI log file, and `/exec`, `/attach`,
 * `/portForward`, which ask the runtime for a streaming URL and proxy the client's upgraded
 * connection to it. Clients must present a certificate signed by the cluster CA (the API server
 * comes with `kube-apiserver-kubelet-client`); an optional authorizer decides per request.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { RuntimeService } from '../cri/api.js';
import { StatusError } from '../../machinery/status.js';
import { remoteCommandOptions } from '../../machinery/streaming/remotecommand.js';
import { proxyUpgrade } from '../../machinery/streaming/upgrade-proxy.js';
import { writeUpgradeError } from '../../machinery/streaming/upgrade.js';
import { logOptionsFromQuery, readCRILog } from './logs.js';
import { PROXY_RULES_PATH, serveProxyRules, type ProxyRulesReader } from './proxy-rules.js';

/** What the server needs from the kubelet. */
export interface KubeletHost {
  getPodByName(namespace: string, name: string): any | undefined;
  /** Runtime container of a pod's container (previous = the one before the current, for logs --previous). */
  containerFor(podUID: string, containerName: string, previous?: boolean): Promise<{ id: string; logPath: string } | undefined>;
  sandboxFor(podUID: string): Promise<string | undefined>;
  runtime: RuntimeService;
  /** /stats/summary (kubelet stats API shape). */
  statsSummary?(): Promise<any>;
  /** The pods bound to this node, for /pods. */
  listPods?(): any[];
  /** The kubelet's metrics in the Prometheus text format, for /metrics. */
  renderMetrics?(): Promise<string>;
  /** This node's kube-proxy rules for one Service (/debug/skiff/proxy-rules). */
  proxyRules?: ProxyRulesReader;
  /** The node's name, for answers that say where they come from. */
  nodeName?: string;
}

export interface KubeletUser { user: string; groups: string[] }

export interface KubeletServerOptions {
  host: KubeletHost; address: string; port: number; certPem: string; keyPem: string; clientCAPem: string;
  authorize?: (user: KubeletUser, verb: string, path: string) => Promise<boolean>;
}

function status(code: number, reason: StatusError['reason'], message: string): StatusError { return new StatusError(code, reason, message); }

function writeStatus(res: ServerResponse, e: unknown): void {
  const se = e instanceof StatusError ? e : new StatusError(500, 'InternalError', (e as Error).message);
  if (res.headersSent) { res.end(); return; }
  res.writeHead(se.code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(se.toStatus()));
}

function verbOf(method: string | undefined): string {
  switch (method) { case 'POST': return 'create'; case 'PUT': return 'update'; case 'PATCH': return 'patch'; case 'DELETE': return 'delete'; default: return 'get'; }
}

export class KubeletServer {
  private server?: Server;
  private readonly sockets = new Set<Duplex>();

  constructor(private readonly o: KubeletServerOptions) {}

  async start(): Promise<number> {
    this.server = createServer({ cert: this.o.certPem, key: this.o.keyPem, ca: this.o.clientCAPem, requestCert: true, rejectUnauthorized: false },
      (req, res) => { void this.serve(req, res); });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => { void this.serveUpgrade(req, socket, head); });
    this.server.on('clientError', (_e, s) => s.destroy());
    // Upgraded connections leave the server's books: keep them here so stop() can end them.
    this.server.on('secureConnection', (sock: Duplex) => { this.sockets.add(sock); sock.once('close', () => this.sockets.delete(sock)); });
    this.server.on('tlsClientError', () => { /* a client gave up mid-handshake */ });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.address, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections?.();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  /** Who is asking, from the verified client certificate; 401 without one. */
  private async admit(req: IncomingMessage, path: string): Promise<void> {
    const sock = req.socket as TLSSocket;
    const cert = sock.getPeerCertificate?.();
    if (!sock.authorized || !cert || !cert.subject) throw status(401, 'Unauthorized', 'Unauthorized');
    if (!this.o.authorize) return;
    const o = cert.subject.O;
    const user = { user: String(cert.subject.CN), groups: Array.isArray(o) ? o : o ? [o] : [] };
    if (!(await this.o.authorize(user, verbOf(req.method), path))) {
      throw status(403, 'Forbidden', `Forbidden (user=${user.user}, verb=${verbOf(req.method)}, path=${path})`);
    }
  }

  private pod(ns: string, name: string): any {
    const pod = this.o.host.getPodByName(ns, name);
    if (!pod) throw status(404, 'NotFound', `pod "${name}" not found`);
    return pod;
  }

  private async container(pod: any, name: string): Promise<{ id: string; logPath: string }> {
    const c = await this.o.host.containerFor(pod.metadata.uid, name);
    if (!c) throw status(404, 'NotFound', `container not found ("${name}")`);
    return c;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    try {
      await this.admit(req, url.pathname);
      if (url.pathname === '/healthz' || url.pathname.startsWith('/healthz/')) { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('ok'); return; }
      if (url.pathname === '/pods' || url.pathname === '/pods/') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.o.host.listPods?.() ?? [] }));
        return;
      }
      if (url.pathname === '/metrics' && this.o.host.renderMetrics) {
        const text = await this.o.host.renderMetrics();
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(text);
        return;
      }
      if (url.pathname === '/stats/summary' && this.o.host.statsSummary) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(await this.o.host.statsSummary()));
        return;
      }
      if (url.pathname === PROXY_RULES_PATH) return await serveProxyRules(url.searchParams, this.o.host.nodeName ?? '', this.o.host.proxyRules, res);
      if (segs[0] === 'containerLogs' && segs.length === 4) return await this.serveLogs(segs[1]!, segs[2]!, segs[3]!, url.searchParams, req, res);
      if (segs[0] === 'exec' || segs[0] === 'attach' || segs[0] === 'portForward') throw status(400, 'BadRequest', 'Upgrade request required');
      throw status(404, 'NotFound', `the server could not find the requested resource`);
    } catch (e) {
      writeStatus(res, e);
    }
  }

  private async serveLogs(ns: string, podName: string, containerName: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let opts;
    try { opts = logOptionsFromQuery(q); } catch (e) { throw status(400, 'BadRequest', (e as Error).message); }
    const pod = this.pod(ns, podName);
    const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
    if (!all.some((c: any) => c.name === containerName)) throw status(400, 'BadRequest', `container ${containerName} is not valid for pod ${podName}`);
    const c = await this.o.host.containerFor(pod.metadata.uid, containerName, opts.previous);
    if (!c) {
      if (opts.previous) throw status(400, 'BadRequest', `previous terminated container "${containerName}" in pod "${podName}" not found`);
      const st = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s: any) => s.name === containerName);
      const reason = st?.state?.waiting?.reason ?? 'ContainerCreating';
      throw status(400, 'BadRequest', `container "${containerName}" in pod "${podName}" is waiting to start: ${reason}`);
    }
    const ac = new AbortController();
    req.on('close', () => ac.abort());
    res.on('close', () => ac.abort());
    const running = async () => {
      try { return (await this.o.host.runtime.containerStatus(c.id)).state === 'CONTAINER_RUNNING'; } catch { return false; }
    };
    try {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache' });
      if (opts.follow) res.flushHeaders();
      await readCRILog(c.logPath, opts, res, running, ac.signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !res.headersSent) throw status(404, 'NotFound', `failed to try resolving symlinks in path "${c.logPath}": no such file or directory`);
      if (!res.headersSent) throw e;
    }
    res.end();
  }

  private async serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    try {
      await this.admit(req, url.pathname);
      const rt = this.o.host.runtime;
      let target: string;
      if ((segs[0] === 'exec' || segs[0] === 'attach') && (segs.length === 4 || segs.length === 5)) {
        const pod = this.pod(segs[1]!, segs[2]!);
        if (segs.length === 5 && segs[3] !== pod.metadata.uid) throw status(404, 'NotFound', `pod "${segs[2]}" not found`);
        const c = await this.container(pod, segs[segs.length - 1]!);
        const io = remoteCommandOptions(url.searchParams);
        if (!io.stdin && !io.stdout && !io.stderr) throw status(400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr');
        if (segs[0] === 'exec') {
          const cmd = url.searchParams.getAll('command');
          if (cmd.length === 0) throw status(400, 'BadRequest', 'you must specify at least one command for the container');
          target = (await rt.exec({ containerId: c.id, cmd, tty: io.tty, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr })).url;
        } else {
          target = (await rt.attach({ containerId: c.id, tty: io.tty, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr })).url;
        }
      } else if (segs[0] === 'portForward' && (segs.length === 3 || segs.length === 4)) {
        const pod = this.pod(segs[1]!, segs[2]!);
        const sandbox = await this.o.host.sandboxFor(pod.metadata.uid);
        if (!sandbox) throw status(404, 'NotFound', `pod "${segs[2]}" has no sandbox`);
        const ports = url.searchParams.getAll('port').map(Number).filter((n) => Number.isInteger(n) && n > 0);
        target = (await rt.portForward({ podSandboxId: sandbox, port: ports })).url;
      } else {
        throw status(404, 'NotFound', 'the server could not find the requested resource');
      }
      await proxyUpgrade(req, socket, head, new URL(target));
    } catch (e) {
      const se = e instanceof StatusError ? e : new StatusError(500, 'InternalError', (e as Error).message);
      writeUpgradeError(socket, se.code, JSON.stringify(se.toStatus()), 'application/json');
    }
  }
}
