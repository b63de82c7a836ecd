/**
 * @module apiserver/registry/kinds/service
 * Services: a ClusterIP from the service CIDR (10.96.0.0/12) and NodePorts (30000-32767) are
 * allocated on create, kept on update, and immutable once set. Allocation reads the services in
 * the watch cache and keeps an in-process reservation set, so one API server never hands out an
 * address twice. (Several API servers on etcd would need Kubernetes' stored allocation bitmap.)
 */
import type { Strategy } from '../strategy.js';
import type { ResourceRegistry } from '../resources.js';
import { invalid, required, notSupported, type FieldError } from '../../../machinery/field-errors.js';
import { StatusError } from '../../../machinery/status.js';

const CIDR_BASE = (10 << 24) | (96 << 16); // 10.96.0.0
const CIDR_SIZE = 1 << 20; // /12
const NODEPORT_MIN = 30000, NODEPORT_MAX = 32767;

function ipToInt(ip: string): number { return ip.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0); }
function intToIp(n: number): string { return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'); }
export function inServiceCIDR(ip: string): boolean {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const n = ipToInt(ip);
  return n >= CIDR_BASE && n < CIDR_BASE + CIDR_SIZE;
}

export function serviceStrategy(reg: ResourceRegistry): Strategy {
  const reservedIPs = new Set<string>();
  const reservedPorts = new Set<number>();
  let nextIP = 10; // low addresses are kept for the kubernetes (.1) and kube-dns (.10) services
  const usedIPs = (): Set<string> => {
    const store = reg.storeFor(reg.find('', 'v1', 'services')!);
    const out = new Set(reservedIPs);
    for (const it of reg.cacheFor(store).snapshot(store.prefix)) for (const ip of it.obj.spec?.clusterIPs ?? [it.obj.spec?.clusterIP]) if (ip) out.add(ip);
    return out;
  };
  const usedPorts = (): Set<number> => {
    const store = reg.storeFor(reg.find('', 'v1', 'services')!);
    const out = new Set(reservedPorts);
    for (const it of reg.cacheFor(store).snapshot(store.prefix)) for (const p of it.obj.spec?.ports ?? []) if (p.nodePort) out.add(p.nodePort);
    return out;
  };
  const allocateIP = (): string => {
    const used = usedIPs();
    for (let i = 0; i < CIDR_SIZE - 2; i++) {
      const off = 1 + ((nextIP + i) % (CIDR_SIZE - 2));
      const ip = intToIp(CIDR_BASE + off);
      if (!used.has(ip)) { nextIP = off + 1; reservedIPs.add(ip); return ip; }
    }
    throw new StatusError(500, 'InternalError', 'Internal error occurred: failed to allocate a serviceIP: range is full');
  };
  const allocatePort = (): number => {
    const used = usedPorts();
    const span = NODEPORT_MAX - NODEPORT_MIN + 1;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const p = NODEPORT_MIN + ((start + i) % span);
      if (!used.has(p)) { reservedPorts.add(p); return p; }
    }
    throw new StatusError(500, 'InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full');
  };

  return {
    prepareForCreate(obj) {
      const spec = (obj.spec ??= {});
      const type = spec.type ?? 'ClusterIP';
      obj.status = { loadBalancer: {} };
      if (type === 'ExternalName') return;
      if (spec.clusterIP === 'None') { spec.clusterIPs = ['None']; }
      else {
        if (spec.clusterIP) {
          if (usedIPs().has(spec.clusterIP) && !reservedIPs.has(spec.clusterIP)) {
            throw new StatusError(422, 'Invalid', `Service "${obj.metadata.name}" is invalid: spec.clusterIPs: Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`, { name: obj.metadata.name, kind: 'Service', causes: [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated` }] });
          }
          if (inServiceCIDR(spec.clusterIP)) reservedIPs.add(spec.clusterIP);
        } else spec.clusterIP = allocateIP();
        spec.clusterIPs = [spec.clusterIP];
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
      }
      if (type === 'NodePort' || type === 'LoadBalancer') {
        for (const p of spec.ports ?? []) if (!p.nodePort) p.nodePort = allocatePort(); else reservedPorts.add(p.nodePort);
      }
    },
    prepareForUpdate(obj, old) {
      const spec = (obj.spec ??= {});
      const type = spec.type ?? 'ClusterIP';
      if (type === 'ExternalName') {
        // An ExternalName Service has no cluster IP: changing to it releases the old one.
        delete spec.clusterIP; delete spec.clusterIPs; delete spec.ipFamilies; delete spec.ipFamilyPolicy; delete spec.internalTrafficPolicy;
        return;
      }
      if (!spec.clusterIP && old.spec?.clusterIP) { spec.clusterIP = old.spec.clusterIP; spec.clusterIPs = old.spec.clusterIPs; }
      else if (!spec.clusterIP) { spec.clusterIP = allocateIP(); spec.clusterIPs = [spec.clusterIP]; }
      spec.ipFamilies ??= old.spec?.ipFamilies ?? (spec.clusterIP === 'None' ? undefined : ['IPv4']);
      spec.ipFamilyPolicy ??= old.spec?.ipFamilyPolicy ?? 'SingleStack';
      if (type === 'NodePort' || type === 'LoadBalancer') {
        for (const p of spec.ports ?? []) {
          if (p.nodePort) continue;
          const prev = (old.spec?.ports ?? []).find((q: any) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
          p.nodePort = prev?.nodePort ?? allocatePort();
        }
      }
    },
    validate(obj): FieldError[] {
      const spec = obj.spec ?? {};
      const errs: FieldError[] = [];
      const type = spec.type ?? 'ClusterIP';
      if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type)) errs.push(notSupported('spec.type', type, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']));
      if (type === 'ExternalName') {
        if (!spec.externalName) errs.push(required('spec.externalName'));
      } else if (!(spec.ports?.length) && spec.clusterIP !== 'None') errs.push(required('spec.ports'));
      const seen = new Set<string>();
      (spec.ports ?? []).forEach((p: any, i: number) => {
        if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) errs.push(invalid(`spec.ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
        if ((spec.ports.length > 1) && !p.name) errs.push(required(`spec.ports[${i}].name`));
        const k = `${p.port}/${p.protocol ?? 'TCP'}`;
        if (seen.has(k)) errs.push({ type: 'FieldValueDuplicate', field: `spec.ports[${i}]`, value: { port: p.port, protocol: p.protocol ?? 'TCP' } });
        seen.add(k);
      });
      return errs;
    },
    validateUpdate(obj, old) {
      const errs = this.validate!(obj);
      if (old.spec?.clusterIP && obj.spec?.clusterIP && old.spec.clusterIP !== obj.spec.clusterIP) {
        errs.push(invalid('spec.clusterIPs[0]', obj.spec?.clusterIP, 'may not change once set'));
      }
      return errs;
    },
  };
}
