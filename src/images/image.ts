/**
 * @module images/image
 * OCI image assembly: an image config (`application/vnd.oci.image.config.v1+json`) naming the
 * layers' diff_ids, and a manifest (`application/vnd.oci.image.manifest.v1+json`) pointing at the
 * config and layer blobs by digest. An {@link OciImage} holds every blob in memory: the images skiff
 * builds are a few megabytes.
 */
import { sha256Digest, MediaType } from './digest.js';
import type { Layer } from './layer.js';

/** A content descriptor (OCI image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

/** The runtime part of an image config (OCI config.md "config"); field names are the spec's. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface ImageConfig {
  created?: string;
  architecture: string;
  os: string;
  config: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** A complete image: its manifest, config and every blob they name, keyed by digest. */
export interface OciImage {
  manifest: Manifest;
  /** The exact manifest bytes; its digest is the image's digest. */
  manifestBytes: Buffer;
  manifestDigest: string;
  config: ImageConfig;
  blobs: Map<string, Buffer>;
}

/** What a build says about how the container runs; ports are "8000" or "8000/udp". */
export interface ImageSettings {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  ports?: string[];
  labels?: Record<string, string>;
  /** Recorded in history[].created_by, like a Dockerfile line. */
  createdBy?: string;
}

/** The fixed creation time written into configs: reproducible builds do not record the clock. */
export const EPOCH = '1970-01-01T00:00:00Z';

/** The PATH every Linux image gets unless the build sets one, as Docker's builder does. */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Assemble config and manifest over the given layers (bottom first). */
export function assembleImage(layers: Layer[], s: ImageSettings = {}): OciImage {
  const env = s.env ?? [];
  const cc: ContainerConfig = {};
  if (s.user) cc.User = s.user;
  if (s.ports?.length) cc.ExposedPorts = Object.fromEntries(s.ports.map((p) => [p.includes('/') ? p : `${p}/tcp`, {}]));
  cc.Env = env.some((e) => e.startsWith('PATH=')) ? env : [DEFAULT_PATH, ...env];
  if (s.entrypoint) cc.Entrypoint = s.entrypoint;
  if (s.cmd) cc.Cmd = s.cmd;
  if (s.workingDir) cc.WorkingDir = s.workingDir;
  if (s.labels && Object.keys(s.labels).length) cc.Labels = s.labels;
  const config: ImageConfig = {
    created: EPOCH, architecture: 'amd64', os: 'linux', config: cc,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created: EPOCH, created_by: i === layers.length - 1 ? (s.createdBy ?? 'skiff image build') : 'skiff image build (base)' })),
  };
  return imageFromParts(config, layers.map((l) => ({ desc: { mediaType: l.mediaType, digest: l.digest, size: l.blob.length }, blob: l.blob })));
}

/** Write the config blob and the manifest for an already-complete config and its layer blobs. */
export function imageFromParts(
  config: ImageConfig, layers: Array<{ desc: Descriptor; blob: Buffer }>,
  opts: { annotations?: Record<string, string>; /** keep an imported config's exact bytes (and so its digest) */ configBytes?: Buffer; configMediaType?: string } = {},
): OciImage {
  const configBytes = opts.configBytes ?? Buffer.from(JSON.stringify(config));
  const annotations = opts.annotations;
  const configDigest = sha256Digest(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2, mediaType: MediaType.ImageManifest,
    config: { mediaType: opts.configMediaType ?? MediaType.ImageConfig, digest: configDigest, size: configBytes.length },
    layers: layers.map((l) => l.desc),
  };
  if (annotations && Object.keys(annotations).length) manifest.annotations = annotations;
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const blobs = new Map<string, Buffer>([[configDigest, configBytes]]);
  for (const l of layers) blobs.set(l.desc.digest, l.blob);
  return { manifest, manifestBytes, manifestDigest: sha256Digest(manifestBytes), config, blobs };
}
