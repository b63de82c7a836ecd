/**
 * @module storage/drivers/etcd/errors
 * Classify etcd/gRPC failures (transient leader loss vs. permanent) and turn them into StorageErrors;
 * the bounded retry loop every etcd call of the driver runs through.
 */
import { StorageError } from '../../interface.js';

/** etcd server messages that mean "try again, possibly on another member": leader loss and overload. */
const TRANSIENT_MESSAGES = [
  'leader changed', 'no leader', 'request timed out', 'proposal dropped', 'too many requests',
  'not capable', 'timed out waiting for read index', 'stopped', 'No connection established',
  'Connection dropped', 'connect ECONNREFUSED', 'Broken circuit', 'circuit', 'unavailable', 'UNAVAILABLE',
];

/** Messages that look transient to gRPC but are not: retrying them cannot help. */
const PERMANENT_MESSAGES = ['database space exceeded', 'request is too large', 'permission denied'];

export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted');
}

export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision is a future revision');
}

/**
 * True when the call may succeed if repeated (against the same or another member). These are the gRPC
 * statuses etcd uses for leader elections and lost connections (Unavailable, DeadlineExceeded, the
 * "recoverable" set of the etcd3 client), plus all members' circuits being open.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof StorageError) return false;
  if (PERMANENT_MESSAGES.some((m) => err.message.includes(m))) return false;
  if (isCompactedError(err) || isFutureRevisionError(err)) return false;
  const name = err.constructor?.name ?? err.name;
  if (['GRPCUnavailableError', 'GRPCDeadlineExceededError', 'GRPCInternalError', 'GRPCUnknownError',
    'GRPCCancelledError', 'GRPCAbortedError', 'GRPCResourceExhastedError', 'BrokenCircuitError',
    'EtcdWatchStreamEnded', 'MemberCircuitOpen'].includes(name)) return true;
  return TRANSIENT_MESSAGES.some((m) => err.message.includes(m));
}

/** Wrap anything that is not yet a StorageError. */
export function toStorageError(err: unknown, key?: string, compactedRevision?: number): StorageError {
  if (err instanceof StorageError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (isCompactedError(err)) return new StorageError('Compacted', `etcd: ${msg}`, key, undefined, compactedRevision);
  if (isTransient(err)) return new StorageError('Unavailable', `etcd unavailable: ${msg}`, key);
  return new StorageError('Internal', `etcd: ${msg}`, key);
}

export interface RetryPolicy {
  /** Give up (StorageError 'Unavailable') after this long (default 20 s: several elections). */
  budgetMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { budgetMs: 20_000, firstDelayMs: 25, maxDelayMs: 1000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Run `attempt(n)` (n = 0, 1, ...) until it succeeds or fails with a non-transient error, backing off
 * exponentially (with jitter) between transient failures, within the policy's time budget. `attempt`
 * learns its number so a write can tell that an earlier try may have landed (see storage.ts).
 */
export async function withRetry<T>(what: string, attempt: (n: number) => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY,
                                   isClosed: () => boolean = () => false): Promise<T> {
  const deadline = Date.now() + policy.budgetMs;
  let delay = policy.firstDelayMs;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isTransient(err)) throw err;
      if (isClosed()) throw new StorageError('Unavailable', `etcd storage closed during ${what}`);
      if (Date.now() + delay > deadline) {
        throw new StorageError('Unavailable', `etcd unavailable for ${what} after ${n + 1} attempts: ${(err as Error).message}`);
      }
      await sleep(delay * (0.5 + Math.random() / 2));
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
