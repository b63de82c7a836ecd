/**
 * @module apiserver/admission/podsecurity/checks/sysctls
 * Baseline `sysctls`: only the "safe" sysctls (namespaced and isolated between pods) may be set;
 * the safe set grew in v1.27, v1.29 and v1.32.
 */
import { type Check, type CheckPodFn, type PodMetadata, type PodSpec, ALLOWED, forbidden, podSC } from './helpers.js';

const SAFE_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SAFE_1_27 = [...SAFE_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SAFE_1_29 = [...SAFE_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SAFE_1_32 = [...SAFE_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

/** The safe sysctls of the latest policy version. */
export const SAFE_SYSCTLS: readonly string[] = SAFE_1_32;

function sysctlsCheck(safe: readonly string[]): CheckPodFn {
  const allowed = new Set(safe);
  return (_meta: PodMetadata, spec: PodSpec) => {
    const list = podSC(spec).sysctls;
    const bad: string[] = [];
    for (const s of Array.isArray(list) ? list : []) if (!allowed.has(String(s?.name ?? ''))) bad.push(String(s?.name ?? ''));
    return bad.length ? forbidden('forbidden sysctls', bad.join(', ')) : ALLOWED;
  };
}

export const sysctls: Check = {
  id: 'sysctls', level: 'baseline',
  versions: [
    { minimumVersion: 0, checkPod: sysctlsCheck(SAFE_1_0) },
    { minimumVersion: 27, checkPod: sysctlsCheck(SAFE_1_27) },
    { minimumVersion: 29, checkPod: sysctlsCheck(SAFE_1_29) },
    { minimumVersion: 32, checkPod: sysctlsCheck(SAFE_1_32) },
  ],
};
