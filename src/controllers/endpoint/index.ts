/**
 * @module controllers/endpoint
 * The Endpoints controller as the manager runs it (`--controllers endpoint`).
 */
import type { ControllerDescriptor } from '../framework.js';
import { EndpointsController } from './controller.js';

export const descriptor: ControllerDescriptor = {
  name: 'endpoint', serviceAccount: 'endpoint-controller', create: (ctx) => new EndpointsController(ctx),
};
