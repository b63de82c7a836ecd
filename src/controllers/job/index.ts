/**
 * @module controllers/job
 * The Job controller as the controller manager runs it (`--controllers=job`), acting as
 * kube-system/job-controller.
 */
import type { ControllerDescriptor } from '../framework.js';
import { JobController, type JobControllerOptions } from './controller.js';

export { JobController, type JobControllerOptions } from './controller.js';

/** A descriptor with non-default options (tests shorten the pod failure backoff). */
export function jobDescriptor(opts: JobControllerOptions = {}): ControllerDescriptor {
  return { name: 'job', serviceAccount: 'job-controller', create: (ctx) => new JobController(ctx, opts) };
}

export const descriptor: ControllerDescriptor = jobDescriptor();
