/**
 * @module test/support/containerd
 * A real containerd (Debian's 1.6 with runc) for tests: its own temp dir for root, state, socket and
 * runc state, a CNI bridge with a unique name on a free /24, pulls from the test's loopback registry.
 * `stop()` removes every pod through CRI (so CNI tears down veths and netns), stops containerd by
 * PID, kills any runc container or shim of its own that is left, unmounts what is left under its
 * dir, deletes the bridge and the dir.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startContainerd, type ManagedContainerd } from '../../src/kubelet/containerd/containerd.js';
import { newRemoteRuntime, type RemoteRuntime } from '../../src/kubelet/cri/remote/remote-runtime.js';
import { removeBridge } from '../../src/kubelet/network/bridge.js';
import { podCIDRGateway } from '../../src/kubelet/network/cni-config.js';
import { setupNodeNetwork } from '../../src/kubelet/network/node-network.js';

export interface TestContainerdOptions {
  /** "127.0.0.1:PORT" of the test registry (reached over plain http). */
  registryHost: string;
  /** Full reference of the pause image in that registry. */
  sandboxImage: string;
  /** The node's podCIDR; default: a free 10.250.X.0/24. */
  podCIDR?: string;
  /** Bridge name (<= 15 chars); default: a unique `skt` + 8 hex. */
  bridge?: string;
  logLevel?: string;
}

export interface TestContainerd {
  runtime: RemoteRuntime;
  containerd: ManagedContainerd;
  dir: string;
  podCIDR: string;
  bridge: string;
  /** The bridge's (host's) address in the podCIDR. */
  gateway: string;
  /** A directory under `dir` for sandboxes' log directories. */
  logRoot: string;
  /**
   * Stop containerd only (its shims and containers run on) and start it again from the same dir,
   * as after a node agent restart; `runtime` and `containerd` are replaced by the new ones.
   */
  restartContainerd(): Promise<void>;
  stop(): Promise<void>;
}

/** IPv4 /24s already routed on this host (first three octets), so a test network never shadows one. */
function routedPrefixes(): Set<string> {
  const out = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  return new Set([...out.matchAll(/(\d+\.\d+\.\d+)\.\d+/g)].map((m) => m[1]!));
}

/**
 * Sandboxes without a cgroup parent land under containerd's default `/k8s.io/<id>` in every cgroup
 * hierarchy; runc removes `<id>` but leaves `k8s.io`. Remove it once empty (another test's
 * containerd may still use it: then rmdir fails with EBUSY and it stays).
 */
function removeEmptyDefaultCgroups(): void {
  let hierarchies: string[] = [];
  try { hierarchies = readdirSync('/sys/fs/cgroup'); } catch { return; }
  for (const h of hierarchies) {
    try { rmdirSync(join('/sys/fs/cgroup', h, 'k8s.io')); } catch { /* absent or in use */ }
  }
}

/** A /24 in 10.250.0.0/16 that nothing on this host routes yet. */
export function freePodCIDR(): string {
  const used = routedPrefixes();
  for (let i = 0; i < 64; i++) {
    const x = randomBytes(1)[0]!;
    if (!used.has(`10.250.${x}`)) return `10.250.${x}.0/24`;
  }
  throw new Error('no free 10.250.X.0/24 for a test pod network');
}

/** Start containerd with a node CNI network, ready to run pods from the test registry. */
export async function startTestContainerd(o: TestContainerdOptions): Promise<TestContainerd> {
  // Short, since the socket path must fit a unix socket address.
  const dir = mkdtempSync('/tmp/skctd-');
  const bridge = o.bridge ?? `skt${randomBytes(4).toString('hex')}`;
  const podCIDR = o.podCIDR ?? freePodCIDR();
  const { gateway } = podCIDRGateway(podCIDR);
  let containerd: ManagedContainerd | undefined;
  let runtime: RemoteRuntime | undefined;
  let bridgeMade = false;
  let self: TestContainerd | undefined;

  const stop = async (): Promise<void> => {
    await (self?.runtime ?? runtime)?.close();
    await (self?.containerd ?? containerd)?.stop({ removePods: true, removeDirs: true });
    if (bridgeMade) await removeBridge(bridge);
    rmSync(dir, { recursive: true, force: true });
    removeEmptyDefaultCgroups();
  };

  try {
    bridgeMade = true; // from here on, stop() removes it (removeBridge is a no-op when absent)
    const { cniConfDir } = await setupNodeNetwork({ dataDir: dir, podCIDR, bridge });
    const options = { dir: join(dir, 'c'), sandboxImage: o.sandboxImage, cniConfDir, registries: [o.registryHost], logLevel: o.logLevel ?? 'warn' };
    containerd = await startContainerd(options);
    runtime = newRemoteRuntime(containerd.endpoint);
    const restartContainerd = async (): Promise<void> => {
      const t = self!;
      await t.runtime.close();
      await t.containerd.stop();
      t.containerd = await startContainerd(options);
      t.runtime = newRemoteRuntime(t.containerd.endpoint);
    };
    self = { runtime, containerd, dir, podCIDR, bridge, gateway, logRoot: join(dir, 'logs'), restartContainerd, stop };
    return self;
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/** Remove a test's (now empty) pod cgroup tree `root` under every v1 controller, deepest first. */
export function removeCgroupTree(root: string): void {
  const rmTree = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) rmTree(join(d, e.name));
    try { rmdirSync(d); } catch { /* still in use or gone */ }
  };
  for (const ctl of readdirSync('/sys/fs/cgroup')) { const d = join('/sys/fs/cgroup', ctl, root); if (existsSync(d)) rmTree(d); }
}
