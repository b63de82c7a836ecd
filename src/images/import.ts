/**
 * @module images/import
 * `skiff image import`: load an image made elsewhere into an {@link OciImage} ready to push.
 * Accepts an OCI image layout (directory, or tar of one, optionally gzipped) and a docker-archive
 * (`docker save`: manifest.json naming a config JSON and uncompressed layer tars). Docker-archive
 * layers are gzipped on the way in; their diff_ids must equal the config's, or the import fails.
 */
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { posix } from 'node:path';
import { directorySource, readLayout, type FileSource } from './layout.js';
import { imageFromParts, type ImageConfig, type OciImage } from './image.js';
import { layerFromTar } from './layer.js';
import { readTar } from './tar-reader.js';
import { sha256Digest, MediaType } from './digest.js';

/**
 * Import from a path. `name` picks one image when the archive holds several: an OCI ref name
 * (org.opencontainers.image.ref.name) or a docker RepoTag ("busybox:1.35").
 */
export async function importImage(path: string, name?: string): Promise<OciImage> {
  const st = await stat(path);
  const src = st.isDirectory() ? directorySource(path) : tarSource(await readFile(path));
  if (await src('oci-layout')) return readLayout(src, name);
  if (await src('manifest.json')) return readDockerArchive(src, name);
  throw new Error(`${path}: neither an OCI image layout (no oci-layout) nor a docker-archive (no manifest.json)`);
}

/** Files of a tar (gzip or plain) as a {@link FileSource}; symlinked members resolve to their targets. */
export function tarSource(archive: Buffer): FileSource {
  const tar = isGzip(archive) ? gunzipSync(archive) : archive;
  const files = new Map<string, Buffer>(), links = new Map<string, string>();
  for (const e of readTar(tar)) {
    const p = posix.normalize(e.path);
    if (e.type === 'file') files.set(p, e.data!);
    else if (e.type === 'symlink' && e.linkname) links.set(p, posix.normalize(posix.join(posix.dirname(p), e.linkname)));
    else if (e.type === 'hardlink' && e.linkname) links.set(p, posix.normalize(e.linkname));
  }
  return async (p) => {
    let q = posix.normalize(p);
    for (let i = 0; i < 16 && !files.has(q) && links.has(q); i++) q = links.get(q)!;
    return files.get(q);
  };
}

interface DockerArchiveEntry { Config: string; RepoTags?: string[] | null; Layers: string[] }

async function readDockerArchive(src: FileSource, name?: string): Promise<OciImage> {
  const entries = JSON.parse((await src('manifest.json'))!.toString('utf8')) as DockerArchiveEntry[];
  const matches = name ? entries.filter((e) => e.RepoTags?.some((t) => t === name || t.endsWith(`/${name}`))) : entries;
  if (matches.length !== 1) {
    const tags = entries.flatMap((e) => e.RepoTags ?? ['<untagged>']).join(', ');
    throw new Error(name ? `image "${name}" not found in docker-archive (has: ${tags})` : `docker-archive holds ${entries.length} images (${tags}); name one`);
  }
  const e = matches[0];
  const configBytes = await src(e.Config);
  if (!configBytes) throw new Error(`docker-archive: config ${e.Config} missing`);
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  const layers = [];
  for (const [i, file] of e.Layers.entries()) {
    const data = await src(file);
    if (!data) throw new Error(`docker-archive: layer ${file} missing`);
    const layer = isGzip(data)
      ? { blob: data, digest: sha256Digest(data), diffId: sha256Digest(gunzipSync(data)), mediaType: MediaType.LayerTarGzip }
      : layerFromTar(data);
    const want = config.rootfs?.diff_ids?.[i];
    if (want !== layer.diffId) throw new Error(`docker-archive: layer ${i} (${file}) has diff_id ${layer.diffId}, config says ${want}`);
    layers.push({ desc: { mediaType: layer.mediaType, digest: layer.digest, size: layer.blob.length }, blob: layer.blob });
  }
  // The docker image config is a superset of the OCI one: keep its bytes, so the image ID is kept.
  return imageFromParts(config, layers, { configBytes });
}

function isGzip(b: Buffer): boolean {
  return b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;
}
