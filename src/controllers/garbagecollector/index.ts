/**
 * @module controllers/garbagecollector
 * The garbage collector as the manager runs it (`--controllers garbagecollector`).
 */
import type { ControllerDescriptor } from '../framework.js';
import { GarbageCollector } from './garbagecollector.js';

export const descriptor: ControllerDescriptor = {
  name: 'garbagecollector', serviceAccount: 'generic-garbage-collector', create: (ctx) => new GarbageCollector(ctx),
};
