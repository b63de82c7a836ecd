/**
 * @module controllers/deployment
 * The Deployment controller as the manager runs it (`--controllers deployment`), acting as
 * kube-system/deployment-controller.
 */
import type { ControllerDescriptor } from '../framework.js';
import { DeploymentController } from './controller.js';

export { DeploymentController };

export const descriptor: ControllerDescriptor = {
  name: 'deployment', serviceAccount: 'deployment-controller', create: (ctx) => new DeploymentController(ctx),
};
