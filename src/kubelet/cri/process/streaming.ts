/**
 * @module kubelet/cri/process/streaming
 * exec, attach and port-forward for process containers. A process runtime has no streaming server
 * of its own (containerd has one in its CRI plugin), so it borrows the kubelet's
 * (`kubelet/server/streaming-server`, as dockershim borrowed k8s.io/kubelet/pkg/cri/streaming) and
 * tells it how to reach a process container: exec spawns the command with the container's env and
 * working dir; attach follows the container's output from now on (its stdin is /dev/null, so input
 * is not delivered); port-forward connects to the port on the pod's IP (loopback: pods share the
 * host's network). The server is started on 127.0.0.1 on first use and stopped with the runtime.
 */
import type { Duplex } from 'node:stream';
import type { AttachRequest, ExecRequest, PortForwardRequest } from '../api.js';
import type { RemoteCommandIO } from '../../../machinery/streaming/remotecommand.js';
import type { StreamingBackend, StreamingServer } from '../../server/streaming-server.js';
import type { ContainerProcessInfo, StreamingProvider } from './container-processes.js';

/** What the backend needs from the runtime. */
export interface ProcessStreamingHost {
  /** The running container's process, or a thrown CriError. */
  runningContainer(containerId: string): ContainerProcessInfo;
  /** Copy the container's output to `io` from now until it exits or the client goes. */
  attachOutput(containerId: string, io: RemoteCommandIO): Promise<void>;
  /** The address ports of this sandbox listen on. */
  podIP(podSandboxId: string): string;
}

/** The streaming backend for process containers: exec as a host process in the container's env and dir. */
export function processStreamingBackend(host: ProcessStreamingHost): StreamingBackend {
  return {
    exec: async (containerId: string, cmd: string[], io: RemoteCommandIO) => {
      const c = host.runningContainer(containerId);
      const { execHostProcess } = await import('../../server/streaming-server.js');
      return execHostProcess({ argv: cmd, env: c.env, cwd: c.cwd }, io);
    },
    attach: (containerId: string, io: RemoteCommandIO) => host.attachOutput(containerId, io),
    portForward: async (podSandboxId: string, port: number, stream: Duplex) => {
      const { forwardToLocalPort } = await import('../../server/streaming-server.js');
      return forwardToLocalPort(port, stream, host.podIP(podSandboxId));
    },
  };
}

/** The kubelet streaming server, started lazily, with the process containers' backend. */
export class BuiltinStreaming implements StreamingProvider {
  private server?: Promise<StreamingServer>;

  constructor(private readonly backend: StreamingBackend) {}

  private started(): Promise<StreamingServer> {
    this.server ??= (async () => {
      const { StreamingServer } = await import('../../server/streaming-server.js');
      const s = new StreamingServer(this.backend, { address: '127.0.0.1', port: 0 });
      await s.start();
      return s;
    })();
    return this.server;
  }

  async exec(req: ExecRequest): Promise<{ url: string }> { return (await this.started()).getExec(req); }
  async attach(req: AttachRequest): Promise<{ url: string }> { return (await this.started()).getAttach(req); }
  async portForward(req: PortForwardRequest): Promise<{ url: string }> { return (await this.started()).getPortForward(req); }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    const server = await s?.catch(() => undefined);
    if (!server) return;
    // Bounded: an upgraded (SPDY) connection still open keeps http.Server.close() waiting, and
    // the runtime's close must not hang the agent's shutdown on a client that never hangs up.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([server.stop(), new Promise<void>((r) => { timer = setTimeout(r, 1000); timer.unref(); })]);
    clearTimeout(timer);
  }
}
