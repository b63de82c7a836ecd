/**
 * @module kubelet/volume/errors
 * A volume that could not be made ready. Its message is what the kubelet's FailedMount event says
 * (`MountVolume.SetUp failed for volume "x" : configmap "y" not found`), so the pod's events and the
 * error the pod worker logs read the same as on a real node.
 */
export class VolumeError extends Error {
  readonly reason = 'FailedMount';
  constructor(message: string, readonly volumeName?: string) { super(message); this.name = 'VolumeError'; }
}

/** The wording of a failed SetUp. */
export const setUpFailed = (volume: string, err: unknown) =>
  new VolumeError(`MountVolume.SetUp failed for volume "${volume}" : ${(err as Error)?.message ?? String(err)}`, volume);

/** A lookup that answered 404. */
export const isNotFound = (e: any) => e?.code === 404;

/** utilerrors.NewAggregate's message: one error as itself, several in brackets. */
export function aggregate(errs: Error[]): Error | undefined {
  if (!errs.length) return undefined;
  if (errs.length === 1) return errs[0];
  return new Error(`[${errs.map((e) => e.message).join(', ')}]`);
}
