/**
 * @module test/support/controllers
 * For end-to-end tests of controllers: a ControllerManager running the given controllers against
 * a real `skiff server` (each with its own ServiceAccount credentials, so the RBAC roles are
 * tested too), an admin Clientset for the test's own reads and writes, and `until` to wait on a
 * condition with a deadline.
 */
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import type { ControllerDescriptor, ControllerOptions } from '../../src/controllers/framework.js';
import type { SkiffServer } from './skiff-server.js';

/** Server flags for tests that run their own controllers: no second copy inside the server, no scheduler binding their pods. */
export const NO_COMPONENTS = ['--disable-controller-manager', '--disable-scheduler'];

export interface RunningControllers { cs: Clientset; manager: ControllerManager; stop(): Promise<void> }

export async function runControllers(srv: SkiffServer, descriptors: ControllerDescriptor[], options: Partial<ControllerOptions> = {}): Promise<RunningControllers> {
  const config = configFromKubeconfig(srv.kubeconfig);
  const cs = newClientset({ ...config, userAgent: 'skiff-e2e' });
  const manager = new ControllerManager({ config, descriptors, options });
  await manager.start();
  return { cs, manager, async stop() { await manager.stop(); cs.close(); } };
}

/** Poll `cond` (sync or async) every 25 ms until it is truthy; fail with `what` after `ms`. Returns the truthy value. */
export async function until<T>(cond: () => T | Promise<T>, what: string, ms = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try { const v = await cond(); if (v) return v as NonNullable<T>; } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
