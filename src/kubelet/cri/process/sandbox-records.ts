/**
 * @module kubelet/cri/process/sandbox-records
 * What the runtimes that keep their own records (process and simulated) answer alike, as
 * containerd does: a sandbox record as CRI's PodSandbox, the namespace modes it reports (as asked,
 * CRI's zero value being POD: the kubelet recreates a sandbox whose network mode differs from its
 * pod's), and the name-reservation check of CreateContainer.
 */
import { CriCode, CriError, type ContainerConfig, type NamespaceMode, type PodSandbox, type PodSandboxConfig, type PodSandboxState } from '../api.js';

export interface SandboxRecordLike { id: string; config: PodSandboxConfig; state: PodSandboxState; createdAtMs: number; runtimeHandler?: string }

export function toPodSandbox(s: SandboxRecordLike): PodSandbox {
  return { id: s.id, metadata: s.config.metadata, state: s.state, createdAtMs: s.createdAtMs, labels: s.config.labels ?? {}, annotations: s.config.annotations ?? {}, runtimeHandler: s.runtimeHandler };
}

export function sandboxNamespaces(config: PodSandboxConfig): { network: NamespaceMode; pid: NamespaceMode; ipc: NamespaceMode } {
  const asked = config.linux?.securityContext?.namespaceOptions ?? {};
  return { network: asked.network ?? 'POD', pid: asked.pid ?? 'POD', ipc: asked.ipc ?? 'POD' };
}

/** containerd's refusal of a second container with the same name and attempt in one sandbox. */
export function checkNameFree(sb: SandboxRecordLike, config: ContainerConfig, existing: { id: string; config: ContainerConfig }[]): void {
  const m = config.metadata;
  const taken = existing.find((c) => c.config.metadata.name === m.name && c.config.metadata.attempt === m.attempt);
  if (!taken) return;
  const sm = sb.config.metadata;
  const name = `${m.name}_${sm.name}_${sm.namespace}_${sm.uid}_${m.attempt}`;
  throw new CriError(CriCode.UNKNOWN, `failed to reserve container name "${name}": name "${name}" is reserved for "${taken.id}"`);
}
