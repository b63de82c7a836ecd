/**
 * @module images/reference
 * Image references ("127.0.0.1:5000/skiff/busybox:1.35", "busybox", "repo@sha256:...") split the
 * way containerd and the Docker CLI normalize them: a first component with "." or ":" (or
 * "localhost") is a registry host, otherwise the registry is docker.io and one-part names get
 * "library/".
 */

export interface Reference {
  /** Registry host[:port] as written ("docker.io" for the default). */
  registry: string;
  /** Repository path inside the registry, e.g. "skiff/busybox". */
  repository: string;
  tag?: string;
  digest?: string;
}

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Parse and normalize a reference; a missing tag and digest means tag "latest". */
export function parseReference(ref: string): Reference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at); }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  const parts = rest.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) registry = parts.shift()!;
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (!parts.every((p) => NAME_COMPONENT.test(p))) throw new Error(`invalid reference format: repository name must be lowercase: "${ref}"`);
  if (tag !== undefined && !TAG.test(tag)) throw new Error(`invalid reference format: bad tag in "${ref}"`);
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) throw new Error(`invalid reference format: bad digest in "${ref}"`);
  if (!tag && !digest) tag = 'latest';
  return { registry, repository, tag, digest };
}

/** The canonical string form: registry/repository[:tag][@digest]. */
export function formatReference(r: Reference): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** Registries on loopback are spoken to over plain http (as containerd's and docker's defaults do); all others over https. */
export function registryBaseURL(registry: string): string {
  const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const loopback = hostname === 'localhost' || /^127\./.test(hostname) || hostname === '::1';
  return `${loopback ? 'http' : 'https'}://${host}`;
}
