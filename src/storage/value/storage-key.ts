/**
 * @module storage/value/storage-key
 * Which group resource a storage key belongs to, so that encryption can pick the providers for it.
 * Keys are `/registry/<storagePrefix>/[<namespace>/]<name>`; the prefix is usually the plural
 * (`secrets`, `deployments`) but not always (`minions` are nodes, `services/specs`, and
 * `<group>/<plural>` for CRDs and apiextensions), and a plural alone does not say its group
 * (`deployments` are `deployments.apps`). The served resources know their prefixes, so they decide.
 */
import { allResources } from '../../api/schema/registry.js';

/** What a served resource tells about its storage (a subset of ResourceInfo). */
export interface StoredResource { group: string; plural: string; storagePrefix?: string }

function segments(key: string): string[] {
  const rest = key.startsWith('/registry/') ? key.slice('/registry/'.length) : key.replace(/^\/+/, '');
  return rest.split('/');
}

/**
 * Without knowledge of the served resources: the first segment after /registry/, or
 * `<plural>.<group>` when that segment is a group (it has a dot: `apiextensions.k8s.io`).
 */
export function firstSegmentResource(key: string): string {
  const [first, second] = segments(key);
  return first.includes('.') && second ? `${second}.${first}` : first;
}

/** A resolver over a (possibly growing) list of served resources: CRDs added later are found too. */
export function resourceResolver(list: () => readonly StoredResource[]): (key: string) => string {
  let byPrefix = new Map<string, string>();
  let seen = -1;
  const rebuild = (): void => {
    const rs = list();
    const m = new Map<string, string>();
    for (const r of rs) {
      const prefix = r.storagePrefix ?? r.plural;
      const gr = r.group ? `${r.plural}.${r.group}` : r.plural;
      // Two groups may share a prefix (events.k8s.io Events live in core `events`): core wins.
      if (!m.has(prefix) || !r.group) m.set(prefix, gr);
    }
    byPrefix = m;
    seen = rs.length;
  };
  return (key) => {
    const segs = segments(key);
    const two = segs.length > 1 ? `${segs[0]}/${segs[1]}` : undefined;
    const look = (): string | undefined => (two !== undefined ? byPrefix.get(two) : undefined) ?? byPrefix.get(segs[0]);
    let r = look();
    if (r === undefined && list().length !== seen) { rebuild(); r = look(); }
    return r ?? firstSegmentResource(key);
  };
}

/** The default: the apiserver's registered resources (src/api/schema/registry), else firstSegmentResource. */
export const defaultPrefixToResource: (key: string) => string = resourceResolver(allResources);
