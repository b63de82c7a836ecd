/**
 * @module controllers/cronjob
 * The CronJob controller as the controller manager runs it (`--controllers=cronjob`), acting as
 * kube-system/cronjob-controller.
 */
import type { ControllerDescriptor } from '../framework.js';
import { CronJobController, type CronJobControllerOptions } from './controller.js';

export { CronJobController, type CronJobControllerOptions } from './controller.js';
export { parseSchedule } from './schedule.js';

/** A descriptor with an injected clock (tests). */
export function cronJobDescriptor(opts: CronJobControllerOptions = {}): ControllerDescriptor {
  return { name: 'cronjob', serviceAccount: 'cronjob-controller', create: (ctx) => new CronJobController(ctx, opts) };
}

export const descriptor: ControllerDescriptor = cronJobDescriptor();
