/**
 * @module controllers/ttlafterfinished
 * The TTL-after-finished controller as the controller manager runs it (`--controllers=ttl-after-finished`),
 * acting as kube-system/ttl-after-finished-controller.
 */
import type { ControllerDescriptor } from '../framework.js';
import { TTLAfterFinishedController, type TTLAfterFinishedOptions } from './controller.js';

export { TTLAfterFinishedController, needsCleanup, expiresAt } from './controller.js';

export function ttlAfterFinishedDescriptor(opts: TTLAfterFinishedOptions = {}): ControllerDescriptor {
  return { name: 'ttl-after-finished', serviceAccount: 'ttl-after-finished-controller', create: (ctx) => new TTLAfterFinishedController(ctx, opts) };
}

export const descriptor: ControllerDescriptor = ttlAfterFinishedDescriptor();
