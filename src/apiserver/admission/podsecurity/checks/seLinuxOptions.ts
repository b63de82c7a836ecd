/**
 * @module apiserver/admission/podsecurity/checks/seLinuxOptions
 * Baseline `seLinuxOptions`: the SELinux type is limited to the container types, and a custom
 * user or role may not be set (pod or container). v1.31 also allows `container_engine_t`.
 */
import { type Check, type CheckPodFn, type PodMetadata, type PodSpec, ALLOWED, forbidden, containerSC, containersNamed, isSet, joinQuote, pluralize, podSC, sortedSet, visitContainers, nameOf } from './helpers.js';

const TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const TYPES_1_31 = [...TYPES_1_0, 'container_engine_t'];

function seLinuxOptionsCheck(allowedTypes: readonly string[]): CheckPodFn {
  const allowed = new Set(allowedTypes);
  return (_meta: PodMetadata, spec: PodSpec) => {
    const badTypes: string[] = [];
    let setUser = false, setRole = false;
    const valid = (o: any): boolean => {
      let ok = true;
      const type = typeof o?.type === 'string' ? o.type : '';
      if (!allowed.has(type)) { ok = false; badTypes.push(type); }
      if (typeof o?.user === 'string' && o.user.length > 0) { ok = false; setUser = true; }
      if (typeof o?.role === 'string' && o.role.length > 0) { ok = false; setRole = true; }
      return ok;
    };
    const badSetters: string[] = [];
    const pso = podSC(spec).seLinuxOptions;
    if (isSet(pso) && !valid(pso)) badSetters.push('pod');
    const badContainers: string[] = [];
    visitContainers(spec, (c) => {
      const o = containerSC(c)?.seLinuxOptions;
      if (isSet(o) && !valid(o)) badContainers.push(nameOf(c));
    });
    if (badContainers.length) badSetters.push(containersNamed(badContainers));
    if (!badSetters.length) return ALLOWED;
    const data: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length) data.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return forbidden('seLinuxOptions', `${badSetters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`);
  };
}

export const seLinuxOptions: Check = {
  id: 'seLinuxOptions', level: 'baseline',
  versions: [{ minimumVersion: 0, checkPod: seLinuxOptionsCheck(TYPES_1_0) }, { minimumVersion: 31, checkPod: seLinuxOptionsCheck(TYPES_1_31) }],
};
