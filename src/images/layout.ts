/**
 * @module images/layout
 * The OCI image layout (image-spec image-layout.md): a directory with `oci-layout`
 * ({"imageLayoutVersion":"1.0.0"}), `index.json` naming manifests (with the tag in the
 * `org.opencontainers.image.ref.name` annotation), and content-addressed `blobs/sha256/<hex>`.
 * Read back from a directory or from the files of a tar of one.
 */
import { mkdir, writeFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex, sha256Digest, MediaType } from './digest.js';
import type { Descriptor, ImageConfig, Manifest, OciImage } from './image.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** Write (or add to) an OCI layout directory; `refName` (usually the tag) goes in index.json. */
export async function writeLayout(dir: string, image: OciImage, refName?: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const blobs = new Map(image.blobs);
  blobs.set(image.manifestDigest, image.manifestBytes);
  for (const [digest, data] of blobs) {
    const p = join(dir, 'blobs', 'sha256', digestHex(digest));
    if (!(await stat(p).catch(() => null))) await writeFile(p, data);
  }
  let index: { schemaVersion: 2; mediaType?: string; manifests: Descriptor[] } = { schemaVersion: 2, mediaType: MediaType.ImageIndex, manifests: [] };
  try { index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')); } catch { /* new layout */ }
  const desc: Descriptor = {
    mediaType: image.manifest.mediaType, digest: image.manifestDigest, size: image.manifestBytes.length,
    platform: { architecture: image.config.architecture, os: image.config.os },
  };
  if (refName) desc.annotations = { [REF_NAME_ANNOTATION]: refName };
  // One entry per ref name: writing a tag again replaces what it pointed at, like a registry tag.
  index.manifests = index.manifests.filter((m) => (refName ? m.annotations?.[REF_NAME_ANNOTATION] !== refName : m.digest !== image.manifestDigest));
  index.manifests.push(desc);
  await writeFile(join(dir, 'index.json'), JSON.stringify(index, null, 2));
}

/** Reads a file of a layout by its path relative to the layout root; undefined when absent. */
export type FileSource = (path: string) => Promise<Buffer | undefined>;

/** A {@link FileSource} over a directory. */
export function directorySource(dir: string): FileSource {
  return async (p) => readFile(join(dir, p)).catch(() => undefined);
}

/**
 * Load one image from a layout: the manifest whose ref name is `refName`, or the only one.
 * Nested indexes (multi-platform images) resolve to linux/amd64.
 */
export async function readLayout(src: FileSource, refName?: string): Promise<OciImage> {
  if (!(await src('oci-layout'))) throw new Error('not an OCI image layout: no oci-layout file');
  const indexBytes = await src('index.json');
  if (!indexBytes) throw new Error('not an OCI image layout: no index.json');
  const index = JSON.parse(indexBytes.toString('utf8'));
  let manifests: Descriptor[] = index.manifests ?? [];
  if (refName) manifests = manifests.filter((m) => m.annotations?.[REF_NAME_ANNOTATION] === refName);
  if (manifests.length !== 1) {
    const names = (index.manifests ?? []).map((m: Descriptor) => m.annotations?.[REF_NAME_ANNOTATION] ?? m.digest).join(', ');
    throw new Error(refName ? `image "${refName}" not found in layout (has: ${names})` : `layout holds ${manifests.length} images (${names}); name one`);
  }
  return loadManifest(src, manifests[0]);
}

async function loadManifest(src: FileSource, desc: Descriptor): Promise<OciImage> {
  const bytes = await blob(src, desc.digest);
  const doc = JSON.parse(bytes.toString('utf8'));
  const mt = doc.mediaType ?? desc.mediaType;
  if (mt === MediaType.ImageIndex || mt === MediaType.DockerManifestList) {
    const pick = (doc.manifests as Descriptor[]).find((m) => m.platform?.os === 'linux' && m.platform?.architecture === 'amd64') ?? doc.manifests[0];
    if (!pick) throw new Error(`image index ${desc.digest} lists no manifests`);
    return loadManifest(src, pick);
  }
  const manifest = doc as Manifest;
  const configBytes = await blob(src, manifest.config.digest);
  const blobs = new Map<string, Buffer>([[manifest.config.digest, configBytes]]);
  for (const l of manifest.layers) blobs.set(l.digest, await blob(src, l.digest));
  return { manifest, manifestBytes: bytes, manifestDigest: sha256Digest(bytes), config: JSON.parse(configBytes.toString('utf8')) as ImageConfig, blobs };
}

/** A blob by digest, verified: a layout with a corrupt blob must not be pushed. */
async function blob(src: FileSource, digest: string): Promise<Buffer> {
  const data = await src(`blobs/sha256/${digestHex(digest)}`);
  if (!data) throw new Error(`blob ${digest} missing from layout`);
  if (sha256Digest(data) !== digest) throw new Error(`blob ${digest} does not match its digest`);
  return data;
}
