/**
 * @module kubelet/containerd/config
 * The configuration a node agent gives the containerd it runs itself (containerd 1.6, config
 * version 2): everything — root, state, sockets, the runc state root, pod netns mounts — under one
 * data dir, so several containerds can share a machine without meeting; the CRI plugin pointed at
 * the node's sandbox image, CNI directories and registry hosts; and the plugins a node never uses
 * switched off so containerd starts quickly and quietly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Directories and files of one managed containerd, all under `dir`. */
export interface ContainerdLayout {
  dir: string;
  root: string;
  state: string;
  socket: string;
  configFile: string;
  certsDir: string;
  /** runc's --root: where runc keeps container state (per containerd, so runc never sees another's). */
  runcRoot: string;
  logFile: string;
}

export function containerdLayout(dir: string): ContainerdLayout {
  return {
    dir,
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    socket: join(dir, 'containerd.sock'),
    configFile: join(dir, 'config.toml'),
    certsDir: join(dir, 'certs.d'),
    runcRoot: join(dir, 'state', 'runc'),
    logFile: join(dir, 'containerd.log'),
  };
}

export interface ContainerdConfigOptions {
  /** The pause image every sandbox runs (`sandbox_image`). */
  sandboxImage: string;
  /** Where the node's CNI conflist lives. */
  cniConfDir: string;
  /** Where the CNI plugin binaries are: Debian's containernetworking-plugins put them in /usr/lib/cni. */
  cniBinDir?: string;
  /** containerd's log level (`info` unless told; `warn` keeps test output short). */
  logLevel?: string;
}

/**
 * Plugins a skiff node never uses. Leaving them on costs start time and log noise (btrfs, zfs and
 * devmapper probe for their filesystems; `opt` wants /opt/containerd; tracing wants a collector).
 */
export const DISABLED_PLUGINS = [
  'io.containerd.internal.v1.opt',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];
// Not io.containerd.runtime.v1.linux: containerd 1.6's tasks service refuses to load without it,
// and the CRI plugin with it.

const q = (s: string): string => JSON.stringify(s); // a TOML basic string

/** containerd 1.6's config.toml (version 2) for a node whose files all live under `layout.dir`. */
export function containerdConfigToml(layout: ContainerdLayout, o: ContainerdConfigOptions): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  return `# Written by skiff's node agent: a containerd of its own under ${layout.dir}.
version = 2
root = ${q(layout.root)}
state = ${q(layout.state)}
disabled_plugins = [${DISABLED_PLUGINS.map(q).join(', ')}]

[grpc]
  address = ${q(layout.socket)}

[debug]
  level = ${q(o.logLevel ?? 'info')}

${cri}]
  sandbox_image = ${q(o.sandboxImage)}
  # Exec, attach and port-forward URLs point here; loopback only, an ephemeral port per containerd.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_tls_streaming = false
  # Pod network namespaces under this containerd's state dir instead of the shared /var/run/netns.
  netns_mounts_under_state_dir = true
  # Debian's kernel may have AppArmor while the host lacks apparmor_parser to load a default profile.
  disable_apparmor = true
  max_container_log_line_size = 16384
  # Never ask runc for an oom_score_adj below containerd's own (the sandbox's -998, a Guaranteed pod's
  # -997): lowering it needs CAP_SYS_RESOURCE, which a node inside a container or a user namespace
  # lacks, and runc then fails every sandbox with "failed to update /proc/self/oom_score_adj".
  restrict_oom_score_adj = true

  ${cri}.cni]
    bin_dir = ${q(o.cniBinDir ?? '/usr/lib/cni')}
    conf_dir = ${q(o.cniConfDir)}
    max_conf_num = 1

  ${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    ${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      ${cri}.containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = ${q(layout.runcRoot)}

  ${cri}.registry]
    config_path = ${q(layout.certsDir)}
`;
}

/** True for registries on loopback, which skiff reaches over plain http (no TLS on a test registry). */
export const isLoopbackRegistry = (host: string): boolean => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);

/**
 * A `hosts.toml` (containerd's registry host configuration) that sends pulls for `host` to
 * `http://host` (loopback registries) or `https://host`, allowed to pull and resolve only.
 */
export function hostsToml(host: string, server = `${isLoopbackRegistry(host) ? 'http' : 'https'}://${host}`): string {
  return `server = ${q(server)}

[host.${q(server)}]
  capabilities = ["pull", "resolve"]
`;
}

/** Write config.toml and one `certs.d/<host>/hosts.toml` per registry; create root and state. */
export function writeContainerdConfig(layout: ContainerdLayout, o: ContainerdConfigOptions & { /** `HOST` or `HOST=MIRROR-URL` */ registries?: string[] }): void {
  for (const d of [layout.dir, layout.root, layout.state, layout.certsDir]) mkdirSync(d, { recursive: true, mode: 0o711 });
  for (const entry of o.registries ?? []) {
    // `HOST=URL` sends pulls for HOST to a mirror at URL (a node in a network namespace cannot reach
    // the host's loopback registry, but can reach a pull-through mirror on its underlay address).
    const eq = entry.indexOf('=');
    const host = eq < 0 ? entry : entry.slice(0, eq);
    const d = join(layout.certsDir, host);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'hosts.toml'), eq < 0 ? hostsToml(host) : hostsToml(host, entry.slice(eq + 1)));
  }
  writeFileSync(layout.configFile, containerdConfigToml(layout, o));
}
