/**
 * @module kubelet/kuberuntime/sandbox
 * The CRI sandbox config of a pod (upstream's generatePodSandboxConfig): identity and attempt,
 * hostname, the log directory its containers write under, DNS, host port mappings, the network,
 * PID and IPC namespace modes, the pod's QoS cgroup, and pod-level security settings.
 */
import * as path from 'node:path';
import type { NamespaceOption, PodSandboxConfig, PortMapping, Protocol } from '../cri/api.js';
import { podDNSConfig, type DNSOptions } from './dns.js';
import { newPodLabels } from './labels.js';
import { podCgroupParent } from './qos.js';

export interface SandboxOptions extends DNSOptions { podLogsDir: string; cgroupRoot: string; nodeName: string }

/** `<podLogsDir>/<namespace>_<name>_<uid>`, the sandbox's log directory (contracts.md). */
export function podLogsDirectory(podLogsDir: string, pod: any): string {
  const m = pod.metadata;
  return path.join(podLogsDir, `${m.namespace ?? 'default'}_${m.name}_${m.uid}`);
}

/** Port mappings of every container port that asks for a host port. */
export function podPortMappings(pod: any): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const m: PortMapping = { protocol: (p.protocol ?? 'TCP') as Protocol, containerPort: p.containerPort, hostPort: p.hostPort };
      if (p.hostIP) m.hostIp = p.hostIP;
      out.push(m);
    }
  }
  return out;
}

/** The namespace modes: NODE for host network/PID/IPC, POD for shared PID, else CONTAINER for PID. */
export function namespaceOptions(pod: any): NamespaceOption {
  const s = pod.spec ?? {};
  return {
    network: s.hostNetwork ? 'NODE' : 'POD',
    pid: s.hostPID ? 'NODE' : s.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: s.hostIPC ? 'NODE' : 'POD',
  };
}

/** The pod's hostname: spec.hostname or the pod name, cut to a DNS label (63 chars, no trailing '-' or '.'). */
export function podHostname(pod: any, nodeName: string): string {
  if (pod.spec?.hostNetwork) return nodeName;
  const name: string = pod.spec?.hostname || pod.metadata.name;
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-.]+$/, '');
}

/** The sandbox config of `pod` for its `attempt`-th sandbox. */
export function generatePodSandboxConfig(pod: any, attempt: number, o: SandboxOptions): PodSandboxConfig {
  const m = pod.metadata;
  const cfg: PodSandboxConfig = {
    metadata: { name: m.name, uid: m.uid, namespace: m.namespace ?? 'default', attempt },
    hostname: podHostname(pod, o.nodeName),
    logDirectory: podLogsDirectory(o.podLogsDir, pod),
    labels: newPodLabels(pod),
    annotations: { ...(m.annotations ?? {}) },
  };
  const dns = podDNSConfig(pod, o);
  if (dns) cfg.dnsConfig = dns;
  const ports = podPortMappings(pod);
  if (ports.length) cfg.portMappings = ports;
  const sc = pod.spec?.securityContext ?? {};
  const sysctls: Record<string, string> = {};
  for (const s of sc.sysctls ?? []) sysctls[s.name] = s.value;
  cfg.linux = {
    securityContext: {
      namespaceOptions: namespaceOptions(pod),
      ...(sc.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
      // A sandbox is privileged when any container is: it holds the namespaces they share.
      ...([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c: any) => c.securityContext?.privileged) ? { privileged: true } : {}),
    },
    ...(Object.keys(sysctls).length ? { sysctls } : {}),
  };
  const parent = podCgroupParent(pod, o.cgroupRoot);
  if (parent) cfg.linux.cgroupParent = parent;
  return cfg;
}
