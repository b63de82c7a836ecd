/**
 * @module cli/agent-runtime
 * The container runtime a node agent runs its pods on, chosen by `--runtime`: containerd over CRI
 * (the one at `--container-runtime-endpoint`, or one the agent starts under its data dir), the
 * process runtime (containers as host processes, for machines without root or containerd), or the
 * simulated runtime (for scale). Each is loaded only when chosen.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Runtime } from '../kubelet/cri/api.js';

export type RuntimeKind = 'containerd' | 'process' | 'simulated';
export const RUNTIME_KINDS: RuntimeKind[] = ['containerd', 'process', 'simulated'];

export interface AgentRuntime {
  runtime: Runtime;
  /** The scheme of container ids in the API (`containerd://...`). */
  name: RuntimeKind;
  /** Close the connection; a containerd the agent started is stopped, leaving its containers running. */
  close(): Promise<void>;
  /**
   * For a containerd the agent started: write its CNI network for the node's podCIDR (a bridge of
   * its own, host-local addresses) once the cluster has assigned one.
   */
  configureNetwork?(podCIDR: string): Promise<void>;
}

export interface RuntimeChoice {
  kind: RuntimeKind;
  /** `unix:///run/containerd/containerd.sock`: use this containerd instead of starting one. */
  endpoint?: string;
  /** The agent's data dir (its containerd and process-runtime state live under it). */
  dataDir: string;
  /** Fall back to the process runtime when containerd cannot run here (the embedded agent). */
  fallbackToProcess?: boolean;
  sandboxImage?: string;
  registries?: string[];
  /** The node's pod bridge (unique per node on a shared machine; default skiff0). */
  bridge?: string;
  /** Destinations pods route via their gateway (multi-node clusters); none when unset. */
  podRoutes?: () => Promise<string[]>;
  log: (msg: string) => void;
}

function onPath(bin: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try { accessSync(join(dir, bin), constants.X_OK); return true; } catch { /* next */ }
  }
  return false;
}

/** Why this machine cannot run its own containerd, or null if it can. */
export function containerdUnavailable(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'containerd needs root';
  if (!onPath('containerd')) return 'containerd is not installed (no containerd on PATH)';
  if (!onPath('runc')) return 'runc is not installed (no runc on PATH)';
  return null;
}

async function processRuntime(dataDir: string): Promise<AgentRuntime> {
  const { ProcessRuntime } = await import('../kubelet/cri/process/process-runtime.js');
  const rt = new ProcessRuntime({ stateDir: join(dataDir, 'agent', 'process-runtime') });
  return { runtime: rt, name: 'process', close: async () => { await (rt as any).close?.(); } };
}

async function simulatedRuntime(dataDir: string): Promise<AgentRuntime> {
  const { SimulatedRuntime } = await import('../kubelet/cri/simulated/simulated-runtime.js');
  const rt: Runtime = new SimulatedRuntime({ stateDir: join(dataDir, 'agent', 'simulated-runtime') });
  return { runtime: rt, name: 'simulated', close: async () => { await (rt as any).close?.(); } };
}

async function containerdRuntime(c: RuntimeChoice): Promise<AgentRuntime> {
  const { newRemoteRuntime } = await import('../kubelet/cri/remote/remote-runtime.js');
  if (c.endpoint) {
    const rt = newRemoteRuntime(c.endpoint);
    await rt.version();
    return { runtime: rt, name: 'containerd', close: () => rt.close() };
  }
  const { startContainerd } = await import('../kubelet/containerd/containerd.js');
  const dir = join(c.dataDir, 'agent', 'containerd');
  const cniConfDir = join(c.dataDir, 'agent', 'cni', 'net.d');
  const { BUILTIN_PAUSE_IMAGE } = await import('../images/pause.js');
  const { HOST_BUSYBOX } = await import('../images/rootfs.js');
  // With no --pause-image the node builds its own from busybox-static (no registry, no internet);
  // without busybox it falls back to upstream's image, which needs a registry it can reach.
  const builtin = !c.sandboxImage && existsSync(HOST_BUSYBOX);
  const sandboxImage = c.sandboxImage ?? (builtin ? BUILTIN_PAUSE_IMAGE : 'registry.k8s.io/pause:3.9');
  const managed = await startContainerd({ dir, sandboxImage, cniConfDir, cniBinDir: '/usr/lib/cni', registries: c.registries });
  c.log(`containerd started (pid ${managed.pid}, ${managed.endpoint}) in ${Math.round(managed.startMs)} ms`);
  if (builtin) {
    const { ensureBuiltinSandboxImage } = await import('../kubelet/containerd/sandbox-image.js');
    try {
      if (await ensureBuiltinSandboxImage(managed.layout.socket, sandboxImage)) c.log(`imported the built-in sandbox image ${sandboxImage}`);
    } catch (e) {
      await managed.stop();
      throw e;
    }
  }
  const rt = newRemoteRuntime(managed.endpoint);
  // Stopping the agent stops its containerd, not the pods: shims keep containers running for the next start to adopt.
  return {
    runtime: rt, name: 'containerd', close: async () => { await rt.close(); await managed.stop(); },
    async configureNetwork(podCIDR) {
      const { writeNodeCniConfig, podCIDRGateway } = await import('../kubelet/network/cni-config.js');
      const { ensureBridge } = await import('../kubelet/network/bridge.js');
      const bridge = c.bridge ?? 'skiff0';
      await ensureBridge(bridge, podCIDRGateway(podCIDR).gatewayCIDR);
      const routes = c.podRoutes ? await c.podRoutes() : [];
      writeNodeCniConfig(cniConfDir, { podCIDR, bridge, ipamDataDir: join(c.dataDir, 'agent', 'cni', 'ipam'), routes });
      c.log(`CNI network for podCIDR ${podCIDR} on bridge ${bridge}${routes.length ? ` (pod routes ${routes.join(', ')})` : ''}`);
    },
  };
}

/** Open the chosen runtime (falling back to the process runtime when allowed and containerd cannot run). */
export async function openRuntime(c: RuntimeChoice): Promise<AgentRuntime> {
  switch (c.kind) {
    case 'process': return processRuntime(c.dataDir);
    case 'simulated': return simulatedRuntime(c.dataDir);
    case 'containerd': {
      const why = c.endpoint ? null : containerdUnavailable();
      if (why && c.fallbackToProcess) {
        c.log(`${why}: using the process runtime instead (containers run as host processes)`);
        return processRuntime(c.dataDir);
      }
      if (why) throw new Error(`cannot start containerd: ${why}; pass --container-runtime-endpoint or --runtime process`);
      try {
        return await containerdRuntime(c);
      } catch (e) {
        if (!c.fallbackToProcess) throw e;
        c.log(`containerd failed to start (${(e as Error).message.split('\n')[0]}): using the process runtime instead`);
        return processRuntime(c.dataDir);
      }
    }
  }
}
