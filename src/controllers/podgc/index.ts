/**
 * @module controllers/podgc
 * The pod garbage collector as the manager runs it (`--controllers podgc`). Its threshold comes
 * from `--terminated-pod-gc-threshold` when the manager's options carry it
 * (`terminatedPodGCThreshold`), else Kubernetes' default of 12500.
 */
import type { ControllerContext, ControllerDescriptor } from '../framework.js';
import { DEFAULT_POD_GC_OPTIONS, PodGCController, type PodGCOptions } from './controller.js';

export function newDescriptor(overrides: Partial<PodGCOptions> = {}): ControllerDescriptor {
  return {
    name: 'podgc', serviceAccount: 'pod-garbage-collector',
    create: (ctx: ControllerContext) => {
      const fromFlags = (ctx.options as Partial<PodGCOptions>).terminatedPodGCThreshold;
      return new PodGCController(ctx, { ...DEFAULT_POD_GC_OPTIONS, ...(fromFlags !== undefined ? { terminatedPodGCThreshold: fromFlags } : {}), ...overrides });
    },
  };
}

export const descriptor: ControllerDescriptor = newDescriptor();
