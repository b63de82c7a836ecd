/**
 * @module controllers/namespace
 * The namespace controller as the manager runs it (`--controllers namespace`).
 */
import type { ControllerDescriptor } from '../framework.js';
import { NamespaceController } from './controller.js';

export const descriptor: ControllerDescriptor = {
  name: 'namespace', serviceAccount: 'namespace-controller', create: (ctx) => new NamespaceController(ctx),
};
