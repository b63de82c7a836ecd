/**
 * @module kubelet/cri/process/images
 * Images for runtimes with no image store (process, simulated). An "image" is only a name: pulling
 * it records the name, and its id is a digest of the normalized name, so pulls are idempotent and
 * stable across restarts. The process runtime can be given a small table of what an image would
 * have recorded in its config (entrypoint, cmd, env, workingDir), used when a container gives no
 * command, as a real image's config would be; a name missing from the table has none of these.
 */
import { createHash } from 'node:crypto';
import type { Image } from '../api.js';

/** What an OCI image config would say about how to run it. */
export interface ImageConfig { entrypoint?: string[]; cmd?: string[]; env?: string[]; workingDir?: string }

/**
 * Normalize a reference as the docker/containerd resolver does: `busybox` ->
 * `docker.io/library/busybox:latest`; a host (with `.` or `:` or `localhost`) is kept.
 */
export function normalizeImageRef(ref: string): string {
  let name = ref;
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash < 0) name = `docker.io/library/${name}`;
  else if (!(first.includes('.') || first.includes(':') || first === 'localhost')) name = `docker.io/${name}`;
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  if (!name.includes('@') && !lastPart.includes(':')) name += ':latest';
  return name;
}

/** The id a name-only image gets: `sha256:` of its normalized reference. */
export function imageIdOf(ref: string): string {
  return 'sha256:' + createHash('sha256').update(normalizeImageRef(ref)).digest('hex');
}

/** The CRI Image record of a name-only image. */
export function nameOnlyImage(ref: string): Image {
  const name = normalizeImageRef(ref);
  const digest = name.includes('@') ? [name] : [];
  return { id: imageIdOf(ref), repoTags: digest.length ? [] : [name], repoDigests: digest, size: 0 };
}
