/**
 * @module controllers/endpointslice
 * The EndpointSlice controller as the manager runs it (`--controllers endpointslice`).
 */
import type { ControllerDescriptor } from '../framework.js';
import { EndpointSliceController } from './controller.js';

export const descriptor: ControllerDescriptor = {
  name: 'endpointslice', serviceAccount: 'endpointslice-controller', create: (ctx) => new EndpointSliceController(ctx),
};
