/**
 * @module scheduler/plugins/imagelocality
 * ImageLocality: prefer nodes that already have the pod's images (node.status.images), weighted
 * by image size and by how widely the image is spread (an image on every node says nothing about
 * this one), between 23 MB and 1000 MB per container, as upstream.
 */
import type { PreScorePlugin, ScorePlugin, Handle } from '../../framework/interface.js';
import { SKIP, type Status } from '../../framework/status.js';
import { MAX_NODE_SCORE } from '../../framework/interface.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';

export const NAME = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** Kubernetes' normalizedImageName: an image without tag or digest means :latest. */
export function normalizedImageName(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  const tail = name.slice(lastSlash + 1);
  return tail.includes(':') || name.includes('@') ? name : `${name}:latest`;
}

export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  constructor(private readonly h: Handle) {}

  /** Every node would score 0 when no node has any of the pod's images: skip the per-node work. */
  preScore(_s: CycleState, pod: PodInfo): Status | null {
    const spec = pod.pod.spec ?? {};
    for (const list of [spec.initContainers, spec.containers]) for (const c of list ?? []) {
      if (c.image && (this.h.snapshot.imageNodeCount(normalizedImageName(c.image)) || this.h.snapshot.imageNodeCount(c.image))) return null;
    }
    return SKIP;
  }

  score(_s: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (!node.imageSizes.size) return 0;
    const spec = pod.pod.spec ?? {};
    const total = this.h.snapshot.list().length || 1;
    let sum = 0, containers = 0;
    for (const list of [spec.initContainers, spec.containers]) for (const c of list ?? []) {
      containers++;
      if (!c.image) continue;
      const img = normalizedImageName(c.image);
      const size = node.imageSizes.get(img) ?? node.imageSizes.get(c.image);
      if (size === undefined) continue;
      sum += size * (this.h.snapshot.imageNodeCount(img) / total);
    }
    const max = MAX_CONTAINER_THRESHOLD * Math.max(containers, 1);
    if (sum < MIN_THRESHOLD) sum = MIN_THRESHOLD; else if (sum > max) sum = max;
    return Math.floor((MAX_NODE_SCORE * (sum - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
  }
}

export const factory = (_args: unknown, h: Handle): ImageLocality => new ImageLocality(h);
