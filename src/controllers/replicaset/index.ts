/**
 * @module controllers/replicaset
 * The ReplicaSet controller as the manager runs it (`--controllers replicaset`).
 */
import type { ControllerDescriptor } from '../framework.js';
import { ReplicaSetController } from './controller.js';

export const descriptor: ControllerDescriptor = {
  name: 'replicaset', serviceAccount: 'replicaset-controller', create: (ctx) => new ReplicaSetController(ctx),
};
