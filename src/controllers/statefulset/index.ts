/**
 * @module controllers/statefulset
 * The StatefulSet controller as the controller manager runs it (`--controllers=statefulset`),
 * acting as kube-system/statefulset-controller.
 */
import type { ControllerDescriptor } from '../framework.js';
import { StatefulSetController } from './controller.js';

export const descriptor: ControllerDescriptor = {
  name: 'statefulset',
  serviceAccount: 'statefulset-controller',
  create: (ctx) => new StatefulSetController(ctx),
};

export { StatefulSetController };
