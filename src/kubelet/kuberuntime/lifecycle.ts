/**
 * @module kubelet/kuberuntime/lifecycle
 * Container lifecycle hooks (upstream's pkg/kubelet/lifecycle/handlers.go): postStart right after a
 * container starts, preStop before it is stopped. A hook is an exec in the container, an HTTP GET
 * (to the pod's IP unless it names a host), or a sleep. Failures come back as the message upstream
 * writes into the FailedPostStartHook / FailedPreStopHook events.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { RuntimeService } from '../cri/api.js';

/** `name_namespace(uid)`, how the kubelet names a pod in messages (upstream's format.Pod). */
export const formatPod = (pod: any): string => `${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid})`;

/** Go's %v of a []string: `[sh -c exit 1]`. */
const goList = (xs: string[]) => `[${xs.join(' ')}]`;

export interface HookContext { runtime: RuntimeService; podIP: string; timeoutSeconds: number }

/** Resolve a probe/hook port: a number, or the name of one of the container's ports. */
export function resolvePort(port: unknown, container: any): number {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  const p = (container.ports ?? []).find((x: any) => x.name === port);
  if (!p) throw new Error(`couldn't find port: ${port} in ${JSON.stringify(container.ports ?? [])}`);
  return p.containerPort;
}

function httpGet(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.get(url, { headers: { 'User-Agent': 'kube-lifecycle/1.33', ...headers }, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => resolve());
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)));
    req.on('error', (e: any) => reject(new Error(e.code === 'ECONNREFUSED' ? `Get "${url}": dial tcp ${url.host}: connect: connection refused` : e.message)));
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Run one hook handler for a container. Resolves on success; rejects with upstream's
 * message on failure.
 */
export async function runHandler(handler: any, pod: any, container: any, containerID: string, ctx: HookContext): Promise<void> {
  if (handler.exec) {
    const cmd: string[] = handler.exec.command ?? [];
    let res;
    try {
      res = await ctx.runtime.execSync(containerID, cmd, ctx.timeoutSeconds);
    } catch (e) {
      throw new Error(`Exec lifecycle hook (${goList(cmd)}) for Container "${container.name}" in Pod "${formatPod(pod)}" failed - error: ${(e as Error).message}, message: ""`);
    }
    if (res.exitCode !== 0) {
      const out = Buffer.concat([res.stdout ?? Buffer.alloc(0), res.stderr ?? Buffer.alloc(0)]).toString('utf8');
      throw new Error(`Exec lifecycle hook (${goList(cmd)}) for Container "${container.name}" in Pod "${formatPod(pod)}" failed - error: command '${cmd.join(' ')}' exited with ${res.exitCode}: ${res.stderr?.toString('utf8') ?? ''}, message: ${JSON.stringify(out)}`);
    }
    return;
  }
  if (handler.httpGet) {
    const g = handler.httpGet;
    const p = g.path ?? '';
    try {
      const host = g.host || ctx.podIP;
      if (!host) throw new Error('no pod IP to send the hook to');
      const port = resolvePort(g.port, container);
      const scheme = String(g.scheme ?? 'HTTP').toLowerCase();
      const url = new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${p.startsWith('/') || p === '' ? p : '/' + p}`);
      const headers: Record<string, string> = {};
      for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
      await httpGet(url, headers, ctx.timeoutSeconds * 1000);
    } catch (e) {
      throw new Error(`HTTP lifecycle hook (${p}) for Container "${container.name}" in Pod "${formatPod(pod)}" failed - error: ${(e as Error).message}`);
    }
    return;
  }
  if (handler.sleep) {
    await sleep(Math.min(Number(handler.sleep.seconds ?? 0), ctx.timeoutSeconds) * 1000);
    return;
  }
  if (handler.tcpSocket) throw new Error(`Cannot run handler: tcpSocket is deprecated and not supported as a lifecycle hook`);
  throw new Error('Cannot run handler: no handler specified');
}
