/**
 * @module storage/drivers/etcd
 * Open skiff's etcd v3 storage driver: an etcd3 client tuned for failover (per-call deadlines, the
 * client's own silent retries turned off so the driver decides what is safe to repeat) wrapped in
 * EtcdStorage.
 */
import { Etcd3, type IOptions } from 'etcd3';
import type { Storage } from '../../interface.js';
import { EtcdStorage, type EtcdStorageOptions } from './storage.js';

export { EtcdStorage, type EtcdStorageOptions } from './storage.js';
export { restoreEtcdSnapshot, saveSnapshot, type RestoreOptions } from './snapshot.js';

export interface OpenEtcdOptions extends EtcdStorageOptions {
  /** Deadline of each unary call (default 5 s); the driver's retry budget spans several of these. */
  callTimeoutMs?: number;
}

/**
 * A policy that runs the call once. The etcd3 client's default global policy repeats "recoverable"
 * failures three times, which would replay writes behind our back; EtcdStorage retries itself and knows
 * when a repeated compare-and-swap needs its outcome checked. The per-member circuit breaker stays.
 */
const runOnce = {
  execute: <T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => T | Promise<T>) =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal, attempt: 1 })),
} as unknown as NonNullable<IOptions['faultHandling']>['global'];

/** Raised instead of calling a member whose circuit is open; the pool then moves on to the next member. */
class MemberCircuitOpen extends Error {}

/**
 * Per-member circuit breaker replacing etcd3's default (3 consecutive "recoverable" errors -> skip the member
 * for 5 s). That one also trips on "etcdserver: no leader" answers, so during an election every healthy
 * member gets benched and all writes stall ~5 s. Ours trips only when the member cannot be reached at all
 * (its answers, even errors, prove it is alive), and only for a short while.
 */
function memberBreaker(openForMs = 1000, threshold = 2) {
  let failures = 0;
  let openUntil = 0;
  const unreachable = (err: unknown) => err instanceof Error && !err.message.includes('etcdserver:') &&
    /No connection established|ECONNREFUSED|ECONNRESET|Connection dropped|connection closed|UNAVAILABLE|Unavailable/i.test(err.message);
  return {
    async execute<T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => T | Promise<T>): Promise<T> {
      if (Date.now() < openUntil) throw new MemberCircuitOpen('etcd member circuit open');
      try {
        const out = await fn({ signal: new AbortController().signal, attempt: 1 });
        failures = 0;
        return out;
      } catch (err) {
        if (unreachable(err)) {
          if (++failures >= threshold) openUntil = Date.now() + openForMs;
        } else {
          failures = 0;
        }
        throw err;
      }
    },
  } as unknown as NonNullable<NonNullable<IOptions['faultHandling']>['host']> extends (h: string) => infer P ? P : never;
}

export function etcdClient(endpoints: string[], opts: OpenEtcdOptions = {}): Etcd3 {
  const timeout = opts.callTimeoutMs ?? 5000;
  return new Etcd3({
    hosts: endpoints,
    dialTimeout: 3000,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    faultHandling: { global: runOnce, host: () => memberBreaker() },
    grpcOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5_000 },
  });
}

/** Connect to an etcd cluster (`http://host:port` endpoints) and check it answers. */
export async function openEtcd(endpoints: string[], opts: OpenEtcdOptions = {}): Promise<Storage> {
  if (!endpoints.length) throw new Error('openEtcd: no endpoints');
  const storage = new EtcdStorage(etcdClient(endpoints, opts), endpoints, opts);
  try {
    await storage.currentRevision();
  } catch (err) {
    await storage.close();
    throw err;
  }
  return storage;
}
