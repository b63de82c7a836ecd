/**
 * @module images/layer
 * An image layer: a tar of a filesystem changeset, gzip-compressed. Its diff_id (in the config's
 * rootfs) is the sha256 of the uncompressed tar; its digest (in the manifest) is the sha256 of the
 * compressed blob. Both are fixed by the entries, since the tar and gzip output are deterministic.
 */
import { gzipSync } from 'node:zlib';
import { writeTar, type TarEntry } from './tar.js';
import { sha256Digest, MediaType } from './digest.js';

export interface Layer {
  /** The blob as stored in the registry (gzip of the tar). */
  blob: Buffer;
  /** sha256 of `blob`: the manifest's layer descriptor digest. */
  digest: string;
  /** sha256 of the uncompressed tar: the config's rootfs.diff_ids entry. */
  diffId: string;
  mediaType: string;
}

/** Build a gzip layer from entries, sorted by path so the caller's order never changes the digest. */
export function buildLayer(entries: TarEntry[]): Layer {
  const sorted = [...entries].sort((a, b) => comparePaths(a.path, b.path));
  return layerFromTar(writeTar(sorted));
}

/** Wrap an existing uncompressed tar (e.g. a `docker save` layer) as a gzip layer. */
export function layerFromTar(tar: Buffer): Layer {
  // gzip's header has no timestamp when node writes it (MTIME 0), so the blob is reproducible.
  const blob = gzipSync(tar, { level: 6 });
  return { blob, digest: sha256Digest(blob), diffId: sha256Digest(tar), mediaType: MediaType.LayerTarGzip };
}

/** Parents sort before children ("bin" < "bin/sh" < "bin2"), so directories precede their contents. */
function comparePaths(a: string, b: string): number {
  const x = a.replace(/^\/+|\/+$/g, '').split('/'), y = b.replace(/^\/+|\/+$/g, '').split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}
