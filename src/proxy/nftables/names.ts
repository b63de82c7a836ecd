/**
 * @module proxy/nftables/names
 * The names kube-proxy's nftables mode gives its objects. Everything lives in one table of its own
 * (`ip kube-proxy`), so names need no `KUBE-` prefix; per-Service objects are named
 * `<kind>-<HASH>-<namespace>/<service>/<protocol>/<portName>` and per-endpoint ones add
 * `__<ip>/<port>`, as upstream does (KEP-3866): readable in `nft list`, the hash keeps them distinct
 * at a glance and unique if a name ever had to be truncated. Only these names contain a `/`, which
 * is how a sync tells its per-Service chains from the fixed ones.
 */
import { createHash } from 'node:crypto';
import type { ServicePortInfo } from '../types.js';

export const DEFAULT_TABLE = 'kube-proxy';

// Fixed chains and maps (upstream's names).
export const SERVICES_CHAIN = 'services';
export const SERVICE_IPS_MAP = 'service-ips';
export const SERVICE_NODEPORTS_MAP = 'service-nodeports';
export const NODEPORT_IPS_SET = 'nodeport-ips';
export const ENDPOINTS_CHECK_CHAIN = 'endpoints-check';
export const NO_ENDPOINT_SERVICES_MAP = 'no-endpoint-services';
export const NO_ENDPOINT_NODEPORTS_MAP = 'no-endpoint-nodeports';
export const REJECT_CHAIN = 'reject-chain';
export const FIREWALL_IPS_MAP = 'firewall-ips';
export const FIREWALL_CHECK_CHAIN = 'firewall-check';
export const MARK_MASQ_CHAIN = 'mark-for-masquerade';
export const MASQUERADING_CHAIN = 'masquerading';

/** The packet mark meaning "SNAT this on the way out" (kube-proxy's default --masquerade-bit 14). */
export const MASQ_MARK = '0x4000';

/** Every verdict map a sync fills, in the order a full sync flushes them. */
export const SERVICE_MAPS = [FIREWALL_IPS_MAP, NO_ENDPOINT_SERVICES_MAP, NO_ENDPOINT_NODEPORTS_MAP, SERVICE_IPS_MAP, SERVICE_NODEPORTS_MAP] as const;

/** nft allows 256 bytes per name; the longest prefix is 16 (as upstream reserves). */
const NAME_BASE_MAX = 256 - 16;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first 8 base32 characters of sha256(name): 40 bits, five bytes. */
function hash8(name: string): string {
  const h = createHash('sha256').update(name).digest();
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(h[i]!);
  let out = '';
  for (let i = 7; i >= 0; i--) out += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  return out;
}

function hashAndTruncate(name: string): string {
  const named = `${hash8(name)}-${name}`;
  return named.length > NAME_BASE_MAX ? `${named.slice(0, NAME_BASE_MAX - 3)}...` : named;
}

type PortRef = Pick<ServicePortInfo, 'namespace' | 'name' | 'portName' | 'protocol'>;

/** `HASH-ns/name/proto/portName`: the base of a Service port's chain names. */
export function servicePortChainBase(svc: PortRef): string {
  return hashAndTruncate(`${svc.namespace}/${svc.name}/${svc.protocol.toLowerCase()}/${svc.portName}`);
}

/** `HASH-ns/name/proto/portName__ip/port`: the base of an endpoint's chain and affinity-set names. */
export function endpointChainBase(svc: PortRef, ip: string, port: number): string {
  const host = ip.includes(':') ? ip.replaceAll(':', '.') : ip;
  return hashAndTruncate(`${svc.namespace}/${svc.name}/${svc.protocol.toLowerCase()}/${svc.portName}__${host}/${port}`);
}

/** The chains one Service port may use. */
export interface ServicePortChainNames {
  /** Endpoints for Cluster traffic policy. */
  cluster: string;
  /** Endpoints on this node, for a Local traffic policy. */
  local: string;
  /** NodePort / externalIP / LoadBalancer traffic enters here. */
  external: string;
  /** loadBalancerSourceRanges filter. */
  firewall: string;
}

export function servicePortChainNames(svc: PortRef): ServicePortChainNames {
  const base = servicePortChainBase(svc);
  return { cluster: `service-${base}`, local: `local-${base}`, external: `external-${base}`, firewall: `firewall-${base}` };
}

export const endpointChainName = (svc: PortRef, ip: string, port: number): string => `endpoint-${endpointChainBase(svc, ip, port)}`;
export const affinitySetName = (svc: PortRef, ip: string, port: number): string => `affinity-${endpointChainBase(svc, ip, port)}`;

/** Per-Service chains (and only they) carry a `/` in their name. */
export const isServiceChainName = (chain: string): boolean => chain.includes('/');
export const isAffinitySetName = (set: string): boolean => set.startsWith('affinity-');

/** Matches the chain/set names belonging to any port of Service `namespace/name`. */
export function serviceObjectPattern(namespace: string, name: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^(service|local|external|firewall|endpoint|affinity)-[A-Z2-7]{8}-${esc(namespace)}/${esc(name)}/`);
}
