/**
 * @module kubelet/cri/process/filters
 * CRI's list filters (ListPodSandbox / ListContainers), shared by the runtimes that keep their own
 * records (process and simulated). As in CRI, every set field must match and a label selector is
 * an exact match on each key.
 */
import type { Container, ContainerFilter, PodSandbox, PodSandboxFilter } from '../api.js';

/** True when `labels` carries every key/value of `selector`. */
export function labelsMatch(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function sandboxMatches(s: PodSandbox, f: PodSandboxFilter | undefined): boolean {
  if (!f) return true;
  if (f.id && s.id !== f.id) return false;
  if (f.state && s.state !== f.state) return false;
  return labelsMatch(s.labels, f.labelSelector);
}

export function containerMatches(c: Container, f: ContainerFilter | undefined): boolean {
  if (!f) return true;
  if (f.id && c.id !== f.id) return false;
  if (f.state && c.state !== f.state) return false;
  if (f.podSandboxId && c.podSandboxId !== f.podSandboxId) return false;
  return labelsMatch(c.labels, f.labelSelector);
}

/** CRI's reason for an exit code, as containerd reports it (OOM is decided by the caller). */
export function exitReason(exitCode: number): 'Completed' | 'Error' {
  return exitCode === 0 ? 'Completed' : 'Error';
}
