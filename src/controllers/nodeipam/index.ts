/**
 * @module controllers/nodeipam
 * Node IPAM as the manager runs it (`--controllers nodeipam`); it acts as the node-controller ServiceAccount, as upstream.
 */
import type { ControllerDescriptor } from '../framework.js';
import { NodeIPAMController } from './controller.js';

export const descriptor: ControllerDescriptor = { name: 'nodeipam', serviceAccount: 'node-controller', create: (ctx) => new NodeIPAMController(ctx) };
