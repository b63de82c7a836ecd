/**
 * @module test/support/images
 * The test images (pause from src/images/pause.ts; busybox, doctor-backend from the recipes in test/images/), built with
 * the host's busybox-static and pushed to a test registry. Built once per process and pushed once
 * per registry: a second call for the same registry returns the same references at no cost.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFromRecipeFile } from '../../src/images/build.js';
import { buildPauseImage } from '../../src/images/pause.js';
import { pushImage } from '../../src/images/push.js';
import type { OciImage } from '../../src/images/image.js';

/** Full references ("127.0.0.1:PORT/skiff/busybox:1.35@sha256:...") are in `digests`; tags here. */
export interface TestImages {
  /** Sandbox image: sleeps forever, exits 0 promptly on SIGTERM/SIGINT. */
  pause: string;
  /** busybox userland, Cmd ["sh"]. */
  busybox: string;
  /** busybox httpd on :8000 serving /health, /ready (both "ok") and /index.html. */
  doctorBackend: string;
  /** Manifest digest of each image, by the same keys. */
  digests: { pause: string; busybox: string; doctorBackend: string };
}

/** The recipes directory (test/images in the repository, also when running from dist/). */
export function testImagesDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error('test/images: repository root not found');
    d = up;
  }
  return join(d, 'test', 'images');
}

const RECIPES = {
  pause: { file: '', repo: 'skiff/pause', tag: '3.9' },
  busybox: { file: 'busybox.yaml', repo: 'skiff/busybox', tag: '1.35' },
  doctorBackend: { file: 'doctor-backend.yaml', repo: 'skiff/doctor-backend', tag: '1.0' },
} as const;
type Key = keyof typeof RECIPES;

let built: Promise<Record<Key, OciImage>> | undefined;
const pushed = new Map<string, Promise<TestImages>>();

/** Build (once per process) the test images as OCI images, without pushing them. */
export function buildTestImages(): Promise<Record<Key, OciImage>> {
  built ??= (async () => {
    const dir = testImagesDir();
    const out = {} as Record<Key, OciImage>;
    // The pause image is the one nodes build for themselves (src/images/pause.ts); the others are test recipes.
    for (const k of Object.keys(RECIPES) as Key[]) out[k] = k === 'pause' ? await buildPauseImage() : await buildFromRecipeFile(join(dir, RECIPES[k].file));
    return out;
  })();
  built.catch(() => { built = undefined; });
  return built;
}

/** Build and push the test images to `registryHost` ("127.0.0.1:PORT"); cached per registry. */
export function pushTestImages(registryHost: string): Promise<TestImages> {
  let p = pushed.get(registryHost);
  if (!p) {
    p = (async () => {
      const images = await buildTestImages();
      const refs = {} as Record<Key, string>, digests = {} as Record<Key, string>;
      for (const k of Object.keys(RECIPES) as Key[]) {
        const ref = `${registryHost}/${RECIPES[k].repo}:${RECIPES[k].tag}`;
        digests[k] = (await pushImage(images[k], ref)).digest;
        refs[k] = ref;
      }
      return { ...refs, digests };
    })();
    pushed.set(registryHost, p);
    p.catch(() => pushed.delete(registryHost));
  }
  return p;
}
