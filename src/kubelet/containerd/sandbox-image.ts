/**
 * @module kubelet/containerd/sandbox-image
 * Put skiff's own pause image (images/pause) into a node's containerd before the first pod, so
 * sandboxes start without a registry or internet. CRI has no image import, so this goes through
 * containerd's own client, `ctr`, into the `k8s.io` namespace the CRI plugin serves: an OCI archive
 * whose index names the image (`io.containerd.image.name`), unpacked for the overlayfs snapshotter
 * the sandbox is created on. Idempotent: an image already present is left alone.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPauseImage, BUILTIN_PAUSE_IMAGE } from '../../images/pause.js';
import { writeLayout } from '../../images/layout.js';
import { writeTar, type TarEntry } from '../../images/tar.js';

const run = promisify(execFile);
/** The containerd namespace of the CRI plugin: images elsewhere are invisible to pods. */
const CRI_NAMESPACE = 'k8s.io';

/** containerd normalises `localhost/x:t` to itself, but bare names get `docker.io/library/`. */
function canonical(ref: string): string {
  const first = ref.split('/')[0];
  if (!ref.includes('/')) return `docker.io/library/${ref}`;
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return `docker.io/${ref}`;
  return ref;
}

async function ctr(socket: string, args: string[]): Promise<string> {
  const { stdout } = await run('ctr', ['--address', socket, '--namespace', CRI_NAMESPACE, ...args], { maxBuffer: 16 << 20 });
  return stdout;
}

/** Is `ref` already an image of the CRI namespace? */
export async function hasImage(socket: string, ref: string): Promise<boolean> {
  const out = await ctr(socket, ['images', 'ls', '-q', `name==${canonical(ref)}`]);
  return out.split('\n').some((l) => l.trim() === canonical(ref));
}

/** An OCI archive (tar of an image layout) whose index names the image as containerd reads it. */
async function pauseArchive(ref: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-pause-'));
  try {
    await writeLayout(dir, await buildPauseImage(), ref);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    for (const m of index.manifests) m.annotations = { ...m.annotations, 'io.containerd.image.name': canonical(ref) };
    await writeFile(join(dir, 'index.json'), JSON.stringify(index));
    const entries: TarEntry[] = [{ path: 'blobs', type: 'dir', mode: 0o755 }, { path: 'blobs/sha256', type: 'dir', mode: 0o755 }];
    for (const f of ['oci-layout', 'index.json']) entries.push({ path: f, type: 'file', mode: 0o644, data: await readFile(join(dir, f)) });
    for (const b of (await readdir(join(dir, 'blobs', 'sha256'))).sort()) {
      entries.push({ path: `blobs/sha256/${b}`, type: 'file', mode: 0o644, data: await readFile(join(dir, 'blobs', 'sha256', b)) });
    }
    return writeTar(entries);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Make sure the node's containerd (its socket path) has skiff's pause image as `ref`; returns
 * whether it had to import it.
 */
export async function ensureBuiltinSandboxImage(socket: string, ref: string = BUILTIN_PAUSE_IMAGE): Promise<boolean> {
  if (await hasImage(socket, ref)) return false;
  const dir = await mkdtemp(join(tmpdir(), 'skiff-pause-tar-'));
  try {
    const file = join(dir, 'pause.tar');
    await writeFile(file, await pauseArchive(ref));
    await ctr(socket, ['images', 'import', '--snapshotter', 'overlayfs', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (!(await hasImage(socket, ref))) throw new Error(`importing the built-in sandbox image ${ref} into containerd left no such image`);
  return true;
}
