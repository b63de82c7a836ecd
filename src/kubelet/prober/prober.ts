/**
 * @module kubelet/prober/prober
 * One probe run against one container (pkg/kubelet/prober/prober.go): resolve the target (pod IP
 * unless the probe names a host, port by number or container port name), run the handler
 * (httpGet, tcpSocket, exec through the runtime, grpc) within timeoutSeconds, and report a
 * failure as the kubelet does: a Warning event `Unhealthy` with `Liveness probe failed: ...`.
 */
import type { EventRecorder } from '../../client/record/recorder.js';
import type { RuntimeService } from '../cri/api.js';
import { CriCode, CriError } from '../cri/api.js';
import { goQuote } from '../envvars/fieldpath.js';
import { probeGRPC } from './grpc.js';
import { probeHTTP } from './http.js';
import { probeTCP } from './tcp.js';
import type { ProbeOutcome } from './results.js';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

const TITLE: Record<ProbeType, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };
const MAX_OUTPUT = 10 * 1024;

/** ResolveContainerPort: a number, or the name of one of the container's ports. */
export function resolvePort(port: number | string | undefined, container: any): number {
  let n: number;
  if (typeof port === 'string' && !/^\d+$/.test(port)) {
    const p = (container?.ports ?? []).find((x: any) => x.name === port);
    if (!p) throw new Error(`couldn't find port: ${port} in ${JSON.stringify(container?.ports ?? [])}`);
    n = p.containerPort;
  } else n = Number(port);
  if (!(n > 0 && n < 65536)) throw new Error(`invalid port number: ${port}`);
  return n;
}

export interface ProbeContext {
  runtime: RuntimeService;
  recorder?: EventRecorder;
  /** Milliseconds per probe "second" (1000; tests shrink it). */
  secondMs: number;
}

/** Run the handler only: the outcome, or an error when the probe could not even be run. */
export async function runHandler(ctx: ProbeContext, probe: any, status: any, container: any, containerID: string): Promise<ProbeOutcome> {
  const timeoutSeconds = probe.timeoutSeconds || 1;
  const timeoutMs = timeoutSeconds * ctx.secondMs;
  const podIP: string = status?.podIP ?? status?.podIPs?.[0]?.ip ?? '';
  if (probe.exec) {
    const cmd: string[] = probe.exec.command ?? [];
    const timedOut = `command ${goQuote(cmd.join(' '))} timed out`;
    let timer: NodeJS.Timeout | undefined;
    try {
      const r = await Promise.race([
        ctx.runtime.execSync(containerID, cmd, timeoutSeconds),
        // The runtime enforces the timeout; this guard only stops a wedged runtime from stalling the worker.
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new CriError(CriCode.DEADLINE_EXCEEDED, timedOut)), timeoutMs + 1000); }),
      ]);
      const output = Buffer.concat([r.stdout ?? Buffer.alloc(0), r.stderr ?? Buffer.alloc(0)]).subarray(0, MAX_OUTPUT).toString('utf8');
      return { result: r.exitCode === 0 ? 'Success' : 'Failure', output };
    } catch (e) {
      if (e instanceof CriError && e.code === CriCode.DEADLINE_EXCEEDED) return { result: 'Failure', output: timedOut };
      throw e;
    } finally { clearTimeout(timer); }
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    return probeHTTP({ scheme: g.scheme === 'HTTPS' ? 'HTTPS' : 'HTTP', host: g.host || podIP, port: resolvePort(g.port, container), path: g.path ?? '/', headers: g.httpHeaders }, timeoutMs);
  }
  if (probe.tcpSocket) return probeTCP(probe.tcpSocket.host || podIP, resolvePort(probe.tcpSocket.port, container), timeoutMs);
  if (probe.grpc) return probeGRPC(podIP, resolvePort(probe.grpc.port, container), probe.grpc.service, timeoutMs);
  throw new Error('missing probe handler');
}

/** prober.probe: run it, record the event a failure (or warning) deserves, and say Success or Failure. */
export async function probeContainer(ctx: ProbeContext, type: ProbeType, probe: any, pod: any, status: any, container: any, containerID: string): Promise<'Success' | 'Failure'> {
  const ref = { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata };
  let out: ProbeOutcome;
  try {
    out = await runHandler(ctx, probe, status, container, containerID);
  } catch (e) {
    ctx.recorder?.event(ref, 'Warning', 'Unhealthy', `${TITLE[type]} probe errored: ${(e as Error).message}`);
    return 'Failure';
  }
  if (out.result === 'Warning') {
    ctx.recorder?.event(ref, 'Warning', 'ProbeWarning', `${TITLE[type]} probe warning: ${out.output}`);
    return 'Success';
  }
  if (out.result === 'Failure') {
    ctx.recorder?.event(ref, 'Warning', 'Unhealthy', `${TITLE[type]} probe failed: ${out.output}`);
    return 'Failure';
  }
  return 'Success';
}
