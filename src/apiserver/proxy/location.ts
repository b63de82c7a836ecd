/**
 * @module apiserver/proxy/location
 * Where a pod's logs, exec, attach and port-forward live (pkg/registry/core/pod/strategy.go
 * LogLocation, ExecLocation, PortForwardLocation; node/strategy.go ResourceLocation): the pod's
 * node, that node's address and kubelet port, and the container, defaulted when the pod has only
 * one and checked otherwise, with upstream's error messages.
 */
import { StatusError, badRequest, notFound } from '../../machinery/status.js';
import type { LoopbackClient } from '../registry/loopback.js';

/** The kubelet's base URL from a Node: its preferred address and `daemonEndpoints.kubeletEndpoint.Port`. */
export function kubeletURLOf(node: any): string {
  const addrs: { type: string; address: string }[] = node?.status?.addresses ?? [];
  const pick = ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalIP', 'ExternalDNS'].map((t) => addrs.find((a) => a.type === t)).find(Boolean);
  if (!pick) throw new StatusError(503, 'ServiceUnavailable', `no preferred addresses found; known addresses: []`);
  const port = Number(node?.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250) || 10250;
  const host = pick.address.includes(':') ? `[${pick.address}]` : pick.address;
  return `https://${host}:${port}`;
}

/** The container a request is about: the named one (checked), or the only one. */
export function defaultContainer(pod: any, requested: string | null, forLogs: boolean): string {
  const name = pod.metadata.name;
  const containers: string[] = (pod.spec?.containers ?? []).map((c: any) => c.name);
  const inits: string[] = (pod.spec?.initContainers ?? []).map((c: any) => c.name);
  const ephemeral: string[] = (pod.spec?.ephemeralContainers ?? []).map((c: any) => c.name);
  if (!requested) {
    if (containers.length === 1) return containers[0]!;
    let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    if (inits.length) msg += ` or one of the init containers: [${inits.join(' ')}]`;
    if (forLogs && ephemeral.length) msg += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
    throw badRequest(msg);
  }
  if (![...containers, ...inits, ...ephemeral].includes(requested)) {
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

export interface PodLocation { pod: any; node: any; base: string }

/** The pod and the kubelet that runs it. */
export async function podLocation(client: LoopbackClient, namespace: string, name: string): Promise<PodLocation> {
  const pod = await client.get('', 'pods', namespace, name);
  if (!pod) throw notFound('', 'pods', name);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const node = await client.get('', 'nodes', '', nodeName);
  if (!node) throw notFound('', 'nodes', nodeName);
  return { pod, node, base: kubeletURLOf(node) };
}

/** Query parameters a subresource passes on to the kubelet. */
const PASSED: Record<string, string[]> = {
  log: ['follow', 'previous', 'timestamps', 'sinceSeconds', 'sinceTime', 'tailLines', 'limitBytes', 'insecureSkipTLSVerifyBackend'],
  exec: ['command', 'stdin', 'stdout', 'stderr', 'tty'],
  attach: ['stdin', 'stdout', 'stderr', 'tty'],
  portforward: ['port', 'ports'],
};

/** The kubelet URL for a pod subresource (log, exec, attach, portforward). */
export async function podSubresourceURL(client: LoopbackClient, namespace: string, name: string, sub: string, q: URLSearchParams): Promise<URL> {
  const loc = await podLocation(client, namespace, name);
  const out = new URLSearchParams();
  for (const k of PASSED[sub] ?? []) for (const v of q.getAll(k)) out.append(k, v);
  const enc = encodeURIComponent;
  let path: string;
  if (sub === 'portforward') {
    path = `/portForward/${enc(namespace)}/${enc(name)}`;
  } else {
    const container = defaultContainer(loc.pod, q.get('container'), sub === 'log');
    const kind = sub === 'log' ? 'containerLogs' : sub;
    path = `/${kind}/${enc(namespace)}/${enc(name)}/${enc(container)}`;
  }
  const qs = out.toString();
  return new URL(`${loc.base}${path}${qs ? `?${qs}` : ''}`);
}

/** The kubelet URL for `nodes/NAME/proxy/PATH`. */
export async function nodeProxyURL(client: LoopbackClient, nodeName: string, rest: string, q: URLSearchParams): Promise<URL> {
  const node = await client.get('', 'nodes', '', nodeName);
  if (!node) throw notFound('', 'nodes', nodeName);
  const qs = q.toString();
  return new URL(`${kubeletURLOf(node)}/${rest}${qs ? `?${qs}` : ''}`);
}
