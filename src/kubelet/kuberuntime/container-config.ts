/**
 * @module kubelet/kuberuntime/container-config
 * The CRI config of one container (upstream's generateContainerConfig): command and args with
 * `$(VAR)` expanded, the resolved environment, mounts from its volumeMounts plus the termination
 * message file, working dir, tty/stdin, labels and annotations, log path, cgroup resources and
 * security context.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerConfig, KeyValue, LinuxContainerSecurityContext, Mount } from '../cri/api.js';
import { expandCommandAndArgs, makeEnvironmentVariables, type EnvContext } from '../envvars/envvars.js';
import { makeMounts } from '../volume/mounts.js';
import type { MountedVolume } from '../volume/volume-manager.js';
import { StartContainerError, StartReason, messageOf } from './errors.js';
import { newContainerAnnotations, newContainerLabels } from './labels.js';
import { linuxContainerResources } from './resources.js';
import { namespaceOptions } from './sandbox.js';

export interface ContainerConfigInputs {
  pod: any;
  container: any;
  restartCount: number;
  imageRef: string;
  volumes: Map<string, MountedVolume>;
  env: EnvContext;
  /** The kubelet root; termination message files live in `<root>/pods/<uid>/containers/<name>/`. */
  rootDir: string;
  memoryCapacityBytes: number;
}

/** The host file a container's termination message is written to (mounted at terminationMessagePath). */
export function terminationMessageFile(rootDir: string, podUID: string, containerName: string, restartCount: number): string {
  return path.join(rootDir, 'pods', podUID, 'containers', containerName, String(restartCount));
}

/** The CRI security context from the container's, falling back to the pod's for user and group. */
export function containerSecurityContext(pod: any, container: any): LinuxContainerSecurityContext {
  const psc = pod.spec?.securityContext ?? {}, sc = container.securityContext ?? {};
  const out: LinuxContainerSecurityContext = { namespaceOptions: namespaceOptions(pod) };
  if (sc.privileged) out.privileged = true;
  const user = sc.runAsUser ?? psc.runAsUser, group = sc.runAsGroup ?? psc.runAsGroup;
  if (user !== undefined) out.runAsUser = user;
  if (group !== undefined) out.runAsGroup = group;
  if (sc.readOnlyRootFilesystem) out.readonlyRootfs = true;
  if (sc.allowPrivilegeEscalation === false) out.noNewPrivs = true;
  const add = sc.capabilities?.add ?? [], drop = sc.capabilities?.drop ?? [];
  if (add.length || drop.length) out.capabilities = { addCapabilities: [...add], dropCapabilities: [...drop] };
  return out;
}

/** Build the config; throws StartContainerError(CreateContainerConfigError) for env or mount problems. */
export async function generateContainerConfig(i: ContainerConfigInputs): Promise<ContainerConfig> {
  const { pod, container, restartCount } = i;
  let envs: KeyValue[];
  let mounts: Mount[];
  try {
    envs = await makeEnvironmentVariables(pod, container, i.env);
    mounts = makeMounts(pod, container, i.volumes, envs);
  } catch (e) {
    throw new StartContainerError((e as any)?.reason ?? StartReason.CreateContainerConfigError, messageOf(e));
  }
  const tmPath: string = container.terminationMessagePath ?? '/dev/termination-log';
  if (tmPath && !mounts.some((m) => m.containerPath === tmPath)) {
    const file = terminationMessageFile(i.rootDir, pod.metadata.uid, container.name, restartCount);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '', { mode: 0o666 });
      fs.chmodSync(file, 0o666); // any container user may write its message
    } catch (e) {
      throw new StartContainerError(StartReason.CreateContainerConfigError, `failed to create termination message file: ${messageOf(e)}`);
    }
    mounts.push({ containerPath: tmPath, hostPath: file });
  }
  const cfg: ContainerConfig = {
    metadata: { name: container.name, attempt: restartCount },
    image: { image: i.imageRef },
    ...expandCommandAndArgs(container, envs),
    envs,
    mounts,
    labels: newContainerLabels(pod, container),
    annotations: newContainerAnnotations(pod, container, restartCount),
    logPath: `${container.name}/${restartCount}.log`,
    linux: { resources: linuxContainerResources(pod, container, i.memoryCapacityBytes), securityContext: containerSecurityContext(pod, container) },
  };
  if (container.workingDir) cfg.workingDir = container.workingDir;
  if (container.stdin) cfg.stdin = true;
  if (container.stdinOnce) cfg.stdinOnce = true;
  if (container.tty) cfg.tty = true;
  return cfg;
}
