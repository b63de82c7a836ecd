/**
 * @module kubelet/volume/mounts
 * A container's CRI mounts from its volumeMounts (the kubelet's makeMounts): each names a volume
 * the pod has mounted, optionally a `subPath` (or `subPathExpr`, expanded with the container's env)
 * inside it, created when missing. A subPath may not be absolute, contain `..`, or resolve (through
 * symlinks) outside its volume: a container must never reach the rest of the node through one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyValue, Mount } from '../cri/api.js';
import { expand, mappingFuncFor } from '../envvars/expansion.js';
import type { MountedVolume } from './volume-manager.js';

/** A container that cannot be configured; the kubelet shows CreateContainerConfigError. */
export class MountError extends Error {
  readonly reason = 'CreateContainerConfigError';
  constructor(message: string) { super(message); this.name = 'MountError'; }
}

const PROPAGATION: Record<string, Mount['propagation']> = {
  None: 'PROPAGATION_PRIVATE', HostToContainer: 'PROPAGATION_HOST_TO_CONTAINER', Bidirectional: 'PROPAGATION_BIDIRECTIONAL',
};

const within = (root: string, p: string) => p === root || p.startsWith(root.endsWith('/') ? root : root + '/');

/** The host path a subPath mount uses: checked, created when missing, with symlinks resolved. */
function prepareSubPath(volumePath: string, subPath: string, mountName: string, containerName: string): string {
  if (path.isAbsolute(subPath)) throw new MountError(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..')) throw new MountError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  const root = fs.realpathSync(volumePath);
  const target = path.join(volumePath, subPath);
  if (!fs.existsSync(target)) {
    try {
      // Upstream creates it with the volume's own mode, so a group-writable volume stays so.
      const mode = fs.statSync(volumePath).mode & 0o7777;
      // Create step by step so an existing symlink along the way cannot lead out of the volume.
      let cur = root;
      for (const part of subPath.split('/').filter(Boolean)) {
        const next = path.join(cur, part);
        if (!fs.existsSync(next)) { fs.mkdirSync(next, { mode }); fs.chmodSync(next, mode); }
        cur = fs.realpathSync(next);
        if (!within(root, cur)) throw new Error('escapes the volume');
      }
    } catch {
      throw new MountError(`failed to create subPath directory for volumeMount "${mountName}" of container "${containerName}"`);
    }
  }
  const resolved = fs.realpathSync(target);
  if (!within(root, resolved)) throw new MountError(`subpath "${resolved}" not within volume path "${root}"`);
  return resolved;
}

/**
 * A container's CRI mounts from its volumeMounts (subPath, subPathExpr, readOnly, mountPropagation),
 * given the pod's mounted volumes. `env` is the container's environment, for subPathExpr.
 */
export function makeMounts(pod: any, container: any, volumes: Map<string, MountedVolume>, env: KeyValue[] = []): Mount[] {
  const mounts: Mount[] = [];
  for (const vm of container?.volumeMounts ?? []) {
    const vol = volumes.get(vm.name);
    if (!vol) throw new MountError(`cannot find volume "${vm.name}" to mount into container "${container.name}"`);
    let subPath: string = vm.subPath ?? '';
    if (vm.subPathExpr) {
      subPath = expand(vm.subPathExpr, mappingFuncFor(new Map(env.map((e) => [e.key, e.value] as [string, string]))));
      if (/\$\(/.test(subPath)) throw new MountError(`failed to prepare subPath for volumeMount "${vm.name}" of container "${container.name}"`);
    }
    const hostPath = subPath ? prepareSubPath(vol.hostPath, subPath, vm.name, container.name) : vol.hostPath;
    const m: Mount = { containerPath: vm.mountPath, hostPath, readonly: vm.readOnly === true || vol.readOnly };
    if (vm.mountPropagation && PROPAGATION[vm.mountPropagation]) m.propagation = PROPAGATION[vm.mountPropagation];
    mounts.push(m);
  }
  void pod;
  return mounts;
}
