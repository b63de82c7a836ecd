/**
 * @module apiserver/advertise-address
 * The address the API server tells the cluster to reach it at (kube-apiserver's
 * --advertise-address): the address in the `default/kubernetes` Endpoints and EndpointSlice,
 * and an IP SAN of the serving certificate.
 *
 * The default is kept simple and predictable: the bind address (--bind-address/--host), or
 * 127.0.0.1 when that is unspecified (0.0.0.0 or ::). Upstream instead picks the address of the
 * host's default-route interface; on these machines that is the uplink, where no cluster packet
 * may go, so skiff never guesses it: a multi-node cluster passes --advertise-address explicitly.
 * (Upstream's Endpoints validation also refuses loopback addresses; skiff accepts them so a
 * one-machine cluster works with its defaults.)
 */
import { isIP } from 'node:net';

/** True for 0.0.0.0 and :: (listen on every address). */
export function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || (isIP(ip) === 6 && /^[0:]+$/.test(ip));
}

/**
 * The advertise address from the flags: `advertise` when given (it must be a plain IP that is not
 * unspecified), else the bind address, else 127.0.0.1 for an unspecified bind address. A bind
 * address that is a host name (`localhost`) also advertises 127.0.0.1.
 */
export function resolveAdvertiseAddress(bindAddress: string, advertise?: string): string {
  if (advertise !== undefined && advertise !== '') {
    if (!isIP(advertise) || isUnspecified(advertise)) {
      throw new Error(`invalid argument "${advertise}" for "--advertise-address" flag: must be a valid IP address that is not unspecified (0.0.0.0 or ::)`);
    }
    return advertise;
  }
  if (!isIP(bindAddress) || isUnspecified(bindAddress)) return '127.0.0.1';
  return bindAddress;
}
