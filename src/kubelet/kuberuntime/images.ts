/**
 * @module kubelet/kuberuntime/images
 * The kubelet's image manager (upstream's pkg/kubelet/images): decide from imagePullPolicy whether
 * to pull, pull through the runtime's ImageService, and back off per pod and image after a failure.
 * The first failure shows `ErrImagePull` with the registry's message; while backing off the
 * container shows `ImagePullBackOff` (`Back-off pulling image "x"`), as `kubectl get pods` does.
 */
import type { EventRecorder } from '../../client/record/recorder.js';
import type { ImageService, PodSandboxConfig } from '../cri/api.js';
import { Backoff, goDuration } from './backoff.js';
import { messageOf, StartContainerError, StartReason } from './errors.js';

/** The default policy when the spec has none: Always for `:latest` or untagged images, else IfNotPresent. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  const tag = colon >= 0 ? lastPart.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export interface ImageManagerOptions { images: ImageService; recorder?: EventRecorder; backoff?: Backoff; now?: () => number }

export class ImageManager {
  readonly backoff: Backoff;
  private readonly now: () => number;

  constructor(private readonly o: ImageManagerOptions) {
    this.now = o.now ?? Date.now;
    this.backoff = o.backoff ?? new Backoff(10_000, 300_000, this.now);
  }

  private event(pod: any, type: 'Normal' | 'Warning', reason: string, message: string, container: any): void {
    this.o.recorder?.event(containerRef(pod, container), type, reason, message);
  }

  /**
   * Make sure the container's image is on the node, pulling per its policy. Returns the image
   * reference (id) to create the container from; throws StartContainerError (ErrImagePull,
   * ImagePullBackOff, ErrImageNeverPull, InvalidImageName).
   */
  async ensureImageExists(pod: any, container: any, sandboxConfig?: PodSandboxConfig): Promise<string> {
    const image: string = container.image ?? '';
    if (!image || /\s/.test(image)) {
      const msg = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
      this.event(pod, 'Warning', 'InspectFailed', msg, container);
      throw new StartContainerError(StartReason.InvalidImageName, msg);
    }
    const policy: string = container.imagePullPolicy ?? defaultPullPolicy(image);
    let present: string | undefined;
    try { present = (await this.o.images.imageStatus({ image }))?.id; } catch (e) {
      const msg = `Failed to inspect image "${image}": ${messageOf(e)}`;
      this.event(pod, 'Warning', 'InspectFailed', msg, container);
      throw new StartContainerError('ImageInspectError', msg);
    }
    if (policy === 'Never' || (policy === 'IfNotPresent' && present)) {
      if (present) {
        this.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, container);
        return present;
      }
      const msg = `Container image "${image}" is not present with pull policy of Never`;
      this.event(pod, 'Warning', 'ErrImageNeverPull', msg, container);
      throw new StartContainerError(StartReason.ErrImageNeverPull, msg);
    }
    const key = `${pod.metadata.uid}_${image}`;
    if (this.backoff.isInBackOffSinceUpdate(key, this.now())) {
      const msg = `Back-off pulling image "${image}"`;
      this.event(pod, 'Normal', 'BackOff', msg, container);
      throw new StartContainerError(StartReason.ImagePullBackOff, msg);
    }
    this.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, container);
    const started = Date.now();
    try {
      const ref = await this.o.images.pullImage({ image }, undefined, sandboxConfig);
      const took = goDuration(Date.now() - started);
      this.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting)`, container);
      return ref;
    } catch (e) {
      const msg = messageOf(e);
      this.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`, container);
      this.backoff.next(key, this.now());
      throw new StartContainerError(StartReason.ErrImagePull, msg);
    }
  }
}

/**
 * The object events about a container are recorded on: its pod (list items from a watch carry no
 * kind, so it is set here). The recorder keys events by object, not by container field path.
 */
export function containerRef(pod: any, _container?: any): any {
  return { kind: 'Pod', apiVersion: 'v1', metadata: pod.metadata };
}
