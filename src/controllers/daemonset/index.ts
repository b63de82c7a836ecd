/**
 * @module controllers/daemonset
 * The DaemonSet controller as the controller manager runs it (`--controllers=daemonset`),
 * acting as kube-system/daemon-set-controller.
 */
import type { ControllerDescriptor } from '../framework.js';
import { DaemonSetController } from './controller.js';

export const descriptor: ControllerDescriptor = {
  name: 'daemonset',
  serviceAccount: 'daemon-set-controller',
  create: (ctx) => new DaemonSetController(ctx),
};

export { DaemonSetController };
