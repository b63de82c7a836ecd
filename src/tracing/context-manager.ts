/**
 * @module tracing/context-manager
 * The OpenTelemetry ContextManager over Node's AsyncLocalStorage: the active span follows awaits,
 * so a controller's reconcile hands its span to every API write it makes (client/transport adds
 * the `traceparent` header). Installed only by the controller manager, and enabled only while a
 * traced reconcile runs (AsyncLocalStorage costs every promise); the API server, the scheduler and
 * the kubelet pass their spans explicitly instead.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, context as api, type Context, type ContextManager } from '@opentelemetry/api';

class AsyncLocalStorageContextManager implements ContextManager {
  private readonly als = new AsyncLocalStorage<Context>();
  /** Scopes whose async work is still running: AsyncLocalStorage is on only while there are some. */
  private scopes = 0;
  active(): Context { return this.scopes ? this.als.getStore() ?? ROOT_CONTEXT : ROOT_CONTEXT; }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    this.scopes++;
    let r: ReturnType<F>;
    try { r = this.als.run(ctx, () => fn.apply(thisArg, args)); } catch (e) { this.release(); throw e; }
    if (r && typeof (r as any).then === 'function') (r as any).then(() => this.release(), () => this.release());
    else this.release();
    return r;
  }
  /**
   * AsyncLocalStorage costs every promise its process makes while it is enabled (Node 20's
   * PromiseHook), so it is disabled again as soon as no traced work is in flight.
   */
  private release(): void {
    if (--this.scopes === 0) this.als.disable();
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const self = this;
    return function (this: unknown, ...args: unknown[]) { return self.with(ctx, () => (target as any).apply(this, args)); } as T;
  }
  enable(): this { return this; }
  disable(): this { this.als.disable(); return this; }
}

let installed = false;

/** Make `context.active()` follow async work in this thread (idempotent). */
export function installContextManager(): void {
  if (installed) return;
  installed = true;
  api.setGlobalContextManager(new AsyncLocalStorageContextManager());
}
