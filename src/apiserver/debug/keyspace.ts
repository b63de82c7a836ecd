/**
 * @module apiserver/debug/keyspace
 * `GET /debug/skiff/keyspace`: the storage keyspace as the seed draws it (`/registry/pods/default/web-1`),
 * read-only, for the dashboard. It reads the storage interface directly (not the watch caches), so
 * what it shows is what sits in etcd/SQLite, encrypted values included.
 *
 * Who sees what is decided per key, with the API server's own authorizers: a key of a served
 * resource is listed only if the user may `list` that resource in that namespace (cluster-scoped:
 * at the cluster scope), and its stored value is returned only if the user may `get` that object.
 * A key no served resource owns (none today, but a CRD's keys after it is gone) is shown only to
 * someone who may list every resource. So the endpoint needs no grant of its own beyond
 * authentication: the filtering *is* its authorization.
 *
 *   ?prefix=/registry/pods/      keys under a prefix (default `/registry/`)
 *   ?limit=500&continue=KEY      pages, in key order (continue: the last key of the previous page)
 *   ?key=/registry/pods/ns/name  one key with its stored value
 */
import type { Storage, KeyValue } from '../../storage/interface.js';
import { allResources } from '../../api/schema/registry.js';
import type { ResourceInfo } from '../../api/schema/types.js';
import { StatusError, badRequest } from '../../machinery/status.js';
import type { UserInfo } from '../registry/context.js';
import type { RequestInfo } from '../request-info.js';
import { writeJSON, type Req, type Res } from '../endpoints/response.js';

export const KEYSPACE_PATH = '/debug/skiff/keyspace';

/** May this user do `verb` on this resource (in this namespace, on this name)? The server's authorizer chain. */
export type KeyAuthorizer = (user: UserInfo, attrs: { verb: string; group: string; resource: string; namespace: string; name: string }) => Promise<boolean>;

/** What a key names: the resource that owns its prefix, the namespace and the object's name. */
export interface KeyOwner { info: ResourceInfo; namespace: string; name: string }

const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 5000;

/** The served resources by storage prefix, longest first so `apiextensions.k8s.io/...` wins over shorter ones. */
function prefixes(): { prefix: string; info: ResourceInfo }[] {
  const seen = new Map<string, ResourceInfo>();
  for (const r of allResources()) {
    if (r.virtual) continue;
    const p = `/registry/${r.storagePrefix ?? r.plural}/`;
    if (!seen.has(p)) seen.set(p, r); // the first registered version is the preferred one
  }
  return [...seen].map(([prefix, info]) => ({ prefix, info })).sort((a, b) => b.prefix.length - a.prefix.length);
}

/** Which served resource a storage key belongs to, or undefined. */
export function ownerOfKey(key: string, table = prefixes()): KeyOwner | undefined {
  for (const { prefix, info } of table) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length).split('/');
    if (info.namespaced && rest.length === 2) return { info, namespace: rest[0]!, name: rest[1]! };
    if (!info.namespaced && rest.length === 1) return { info, namespace: '', name: rest[0]! };
  }
  return undefined;
}

/** How a stored value is shown: JSON as it sits in storage, an encrypted envelope by its prefix only. */
export function describeValue(value: string): { encoding: 'json' | 'encrypted' | 'text'; value: string } {
  if (value.startsWith('k8s:enc:')) {
    // `k8s:enc:aescbc:v1:key1:<ciphertext>`: the provider and key name are plain; the rest is noise.
    const head = value.split(':').slice(0, 5).join(':');
    return { encoding: 'encrypted', value: `${head}:<${Buffer.byteLength(value) - head.length - 1} bytes of ciphertext>` };
  }
  try { JSON.parse(value); return { encoding: 'json', value }; } catch { return { encoding: 'text', value }; }
}

export class KeyspaceEndpoint {
  constructor(private readonly storage: Storage, private readonly authorize: KeyAuthorizer) {}

  handles(ri: RequestInfo): boolean {
    return !ri.isResourceRequest && (ri.path === KEYSPACE_PATH || ri.path === KEYSPACE_PATH + '/');
  }

  async serve(q: URLSearchParams, req: Req, res: Res, user: UserInfo): Promise<void> {
    if (req.method !== 'GET') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const key = q.get('key');
    if (key !== null) return writeJSON(res, 200, await this.value(key, user));
    writeJSON(res, 200, await this.list(q, user));
  }

  /** One key and its stored value, if the user may get that object. */
  private async value(key: string, user: UserInfo): Promise<object> {
    if (!key.startsWith('/registry/')) throw badRequest(`key must start with /registry/: "${key}"`);
    const owner = ownerOfKey(key);
    const may = owner
      ? await this.authorize(user, { verb: 'get', group: owner.info.group, resource: owner.info.plural, namespace: owner.namespace, name: owner.name })
      : await this.mayListEverything(user);
    // Not found and not allowed look the same, so the endpoint does not tell which keys exist.
    const kv = may ? await this.storage.get(key) : null;
    if (!kv) throw new StatusError(404, 'NotFound', `key "${key}" not found`);
    return { key: kv.key, createRevision: kv.createRevision, modRevision: kv.modRevision, ...resourceOf(owner), ...describeValue(kv.value) };
  }

  /** Keys under a prefix, each one the user may list. */
  private async list(q: URLSearchParams, user: UserInfo): Promise<object> {
    const prefix = q.get('prefix') || '/registry/';
    if (!prefix.startsWith('/registry/')) throw badRequest(`prefix must start with /registry/: "${prefix}"`);
    const limitText = q.get('limit');
    const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badRequest(`limit must be an integer from 1 to ${MAX_LIMIT}`);
    const table = prefixes();
    const decisions = new Map<string, Promise<boolean>>();
    const mayList = (owner: KeyOwner | undefined): Promise<boolean> => {
      const id = owner ? `${owner.info.group}/${owner.info.plural}/${owner.namespace}` : '*';
      let d = decisions.get(id);
      if (!d) {
        d = owner ? this.authorize(user, { verb: 'list', group: owner.info.group, resource: owner.info.plural, namespace: owner.namespace, name: '' }) : this.mayListEverything(user);
        decisions.set(id, d);
      }
      return d;
    };
    const keys: object[] = [];
    let startAfter = q.get('continue') || undefined;
    let revision = 0;
    let more = true;
    // Filtering may drop most of a page: read on until the page is full or the prefix is done.
    while (more && keys.length < limit) {
      const page = await this.storage.list(prefix, { limit: limit - keys.length, startAfter, revision: revision || undefined });
      revision = page.revision;
      more = page.more;
      for (const kv of page.items) {
        const owner = ownerOfKey(kv.key, table);
        if (await mayList(owner)) keys.push(entry(kv, owner));
      }
      startAfter = page.items.at(-1)?.key ?? startAfter;
      if (!page.items.length) break;
    }
    // No count of what was left out: how many objects others' namespaces hold is not this user's to know.
    return { prefix, revision, keys, continue: more ? startAfter : undefined };
  }

  private mayListEverything(user: UserInfo): Promise<boolean> {
    return this.authorize(user, { verb: 'list', group: '*', resource: '*', namespace: '', name: '' });
  }
}

function resourceOf(owner: KeyOwner | undefined): object {
  return owner ? { group: owner.info.group, resource: owner.info.plural, kind: owner.info.kind, namespace: owner.namespace || undefined, name: owner.name } : {};
}

function entry(kv: KeyValue, owner: KeyOwner | undefined): object {
  return { key: kv.key, createRevision: kv.createRevision, modRevision: kv.modRevision, size: Buffer.byteLength(kv.value), ...resourceOf(owner) };
}
