/**
 * @module images/pause
 * skiff's own sandbox ("pause") image, built from the host's busybox-static: it holds a pod's
 * namespaces and does nothing else. PID 1 traps TERM/INT so stopping a sandbox is prompt and exits
 * 0 (a plain `sleep` as PID 1 would ignore SIGTERM and wait for SIGKILL). A node builds it locally
 * rather than pulling registry.k8s.io/pause, so pods start on a machine with no internet.
 */
import { buildFromRecipe, type Recipe } from './build.js';
import type { OciImage } from './image.js';

/** The name a node gives its locally built sandbox image (not upstream's pause: different bytes). */
export const BUILTIN_PAUSE_IMAGE = 'localhost/skiff/pause:3.9';

export const PAUSE_RECIPE: Recipe = {
  from: 'busybox',
  applets: ['sh', 'sleep'],
  entrypoint: ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'],
  labels: { 'io.skiff.image': 'pause' },
};

export function buildPauseImage(): Promise<OciImage> {
  return buildFromRecipe(PAUSE_RECIPE, '/');
}
