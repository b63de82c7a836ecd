/**
 * @module kubelet/envvars/fieldpath
 * The downward API's values, shared by env vars (`valueFrom.fieldRef` / `resourceFieldRef`) and
 * downwardAPI volumes: a pod's fields by path (pkg/fieldpath), and a container's requests or limits
 * with a divisor, where an unset limit means the node's allocatable (as the kubelet merges it).
 */
import { parseQuantity } from '../../machinery/quantity.js';

/** Go's `%q` for the strings labels and annotations hold: JSON quoting, with Go's escapes for the rest. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029').replace(/\\u007f/gi, '\\x7f');
}

/** fieldpath.FormatMap: `key="value"` lines, sorted by key, no trailing newline. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${goQuote(m![k])}`).join('\n');
}

/** `metadata.labels['k']` -> ['metadata.labels', 'k']. */
function splitSubscript(path: string): [string, string] | undefined {
  const m = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(path);
  return m ? [m[1], m[2]] : undefined;
}

/** fieldpath.ExtractFieldPathAsString: the metadata fields a downwardAPI volume may show. */
export function extractFieldPathAsString(pod: any, fieldPath: string): string {
  const md = pod?.metadata ?? {};
  const sub = splitSubscript(fieldPath);
  if (sub) return (sub[0] === 'metadata.labels' ? md.labels : md.annotations)?.[sub[1]] ?? '';
  switch (fieldPath) {
    case 'metadata.annotations': return formatMap(md.annotations);
    case 'metadata.labels': return formatMap(md.labels);
    case 'metadata.name': return md.name ?? '';
    case 'metadata.namespace': return md.namespace ?? '';
    case 'metadata.uid': return md.uid ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

/** What only the kubelet knows about a pod: its node's and its own addresses. */
export interface PodRuntimeFields { hostIP: string; hostIPs?: string[]; podIP: string; podIPs: string[] }

/** podFieldSelectorRuntimeValue: the fields env vars may read, runtime ones included. */
export function podFieldSelectorRuntimeValue(pod: any, fieldPath: string, rt: PodRuntimeFields): string {
  switch (fieldPath) {
    case 'spec.nodeName': return pod?.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod?.spec?.serviceAccountName ?? '';
    case 'status.hostIP': return rt.hostIP;
    case 'status.hostIPs': return (rt.hostIPs ?? (rt.hostIP ? [rt.hostIP] : [])).join(',');
    case 'status.podIP': return rt.podIP;
    case 'status.podIPs': return rt.podIPs.join(',');
  }
  return extractFieldPathAsString(pod, fieldPath);
}

/** Find a container (app, init or ephemeral) of the pod by name. */
export function findContainer(pod: any, name: string): any | undefined {
  const spec = pod?.spec ?? {};
  return [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].find((c: any) => c.name === name);
}

/**
 * ExtractContainerResourceValue with the node's allocatable standing in for unset limits
 * (MergeContainerResourceLimits). `resource` is e.g. `limits.cpu`, `requests.memory`.
 */
export function containerResourceValue(ref: { resource: string; divisor?: string | number }, container: any, allocatable: Record<string, string> = {}): string {
  const [kind, name] = splitResource(ref.resource);
  const res = container?.resources ?? {};
  let raw: string | undefined = res[kind]?.[name];
  if (raw === undefined && kind === 'limits' && ['cpu', 'memory', 'ephemeral-storage'].includes(name)) raw = allocatable[name];
  const q = parseQuantity(String(raw ?? '0'));
  const divisor = parseQuantity(String(ref.divisor ?? '1') || '1');
  if (name === 'cpu') {
    const d = divisor.milliValue() || 1;
    return String(Math.ceil(q.milliValue() / d));
  }
  const d = divisor.value() || 1;
  return String(Math.ceil(q.value() / d));
}

function splitResource(resource: string): ['limits' | 'requests', string] {
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage|hugepages-.+)$/.exec(resource ?? '');
  if (!m) throw new Error(`unsupported container resource : ${resource}`);
  return [m[1] as 'limits' | 'requests', m[2]];
}
