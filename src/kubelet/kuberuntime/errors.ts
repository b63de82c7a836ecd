/**
 * @module kubelet/kuberuntime/errors
 * Why a container could not be started this sync, in the kubelet's own reasons. The reason and
 * message become the container's `state.waiting` in the pod status (upstream's reason cache), so
 * they are exactly what `kubectl get pods` and `kubectl describe` show.
 */

export const StartReason = {
  CrashLoopBackOff: 'CrashLoopBackOff',
  ErrImagePull: 'ErrImagePull',
  ImagePullBackOff: 'ImagePullBackOff',
  ErrImageNeverPull: 'ErrImageNeverPull',
  InvalidImageName: 'InvalidImageName',
  CreateContainerConfigError: 'CreateContainerConfigError',
  CreateContainerError: 'CreateContainerError',
  RunContainerError: 'RunContainerError',
  PostStartHookError: 'PostStartHookError',
  PreCreateHookError: 'PreCreateHookError',
} as const;

export type StartReasonName = (typeof StartReason)[keyof typeof StartReason];

/** A container that failed to start, with the waiting reason and message to show for it. */
export class StartContainerError extends Error {
  constructor(readonly reason: string, message: string) { super(message); this.name = 'StartContainerError'; }
}

/** The message of anything thrown (gRPC errors carry theirs in `details` / `message`). */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
