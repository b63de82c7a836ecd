/**
 * @module proxy/iptables/chains
 * The names of kube-proxy's iptables chains. Per-Service chains carry a hash of the service port
 * name and protocol (and, for KUBE-SEP, the endpoint) because iptables limits chain names to 28
 * characters: sha256, base32, first 16 characters, exactly as upstream kube-proxy names them, so
 * `iptables-save` on a skiff node reads like one on any Kubernetes node.
 */
import { createHash } from 'node:crypto';
import type { ServicePortInfo } from '../types.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';

/** The mark KUBE-MARK-MASQ sets and KUBE-POSTROUTING masquerades (kube-proxy's --iptables-masquerade-bit 14). */
export const MASQ_MARK = '0x4000';

/** Chains of the per-Service kinds, which a sync creates and deletes as Services come and go. */
export const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|SEP)-[A-Z2-7]{16}$/;

/** Kubernetes' ServicePortName.String(): `ns/name:port`, or `ns/name` for an unnamed port. */
export function servicePortName(svc: Pick<ServicePortInfo, 'namespace' | 'name' | 'portName'>): string {
  return svc.portName ? `${svc.namespace}/${svc.name}:${svc.portName}` : `${svc.namespace}/${svc.name}`;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's StdEncoding), enough of it for the first 16 characters. */
function base32(buf: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) { out += BASE32[(value >>> (bits - 5)) & 31]; bits -= 5; }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

const hash16 = (s: string): string => base32(createHash('sha256').update(s).digest()).slice(0, 16);

/** The lowercase protocol iptables matches on (`-m tcp -p tcp`) and the hashes include. */
export const proto = (svc: Pick<ServicePortInfo, 'protocol'>): string => svc.protocol.toLowerCase();

/** The hash shared by a service port's KUBE-SVC/SVL/EXT/FW chains. */
export function servicePortChainBase(svc: Pick<ServicePortInfo, 'namespace' | 'name' | 'portName' | 'protocol'>): string {
  return hash16(servicePortName(svc) + proto(svc));
}

export interface ServicePortChains { svc: string; svl: string; ext: string; fw: string }

export function servicePortChains(svc: Pick<ServicePortInfo, 'namespace' | 'name' | 'portName' | 'protocol'>): ServicePortChains {
  const b = servicePortChainBase(svc);
  return { svc: `KUBE-SVC-${b}`, svl: `KUBE-SVL-${b}`, ext: `KUBE-EXT-${b}`, fw: `KUBE-FW-${b}` };
}

/** KUBE-SEP-<hash of service port name + protocol + "ip:port">. */
export function servicePortEndpointChainName(svc: Pick<ServicePortInfo, 'namespace' | 'name' | 'portName' | 'protocol'>, endpoint: string): string {
  return `KUBE-SEP-${hash16(servicePortName(svc) + proto(svc) + endpoint)}`;
}
