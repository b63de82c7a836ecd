/**
 * @module controllers/nodelifecycle
 * The node lifecycle controller (with taint-based eviction) as the manager runs it (`--controllers nodelifecycle`).
 */
import type { ControllerDescriptor } from '../framework.js';
import { NodeLifecycleController } from './controller.js';

export const descriptor: ControllerDescriptor = { name: 'nodelifecycle', serviceAccount: 'node-controller', create: (ctx) => new NodeLifecycleController(ctx) };
