/**
 * @module storage/interface
 * The one storage interface, with etcd's semantics. Every driver (SQLite, etcd) implements it and
 * passes the same contract suite (`contract.ts`). The global revision is the resourceVersion.
 *
 * Keys look like `/registry/<resource>/<namespace>/<name>` (cluster-scoped: `/registry/<resource>/<name>`).
 * Values are opaque strings to storage (the apiserver stores JSON, or an encrypted envelope).
 * Errors are `StorageError`s with stable codes; the apiserver turns them into API Status at its edge.
 */

/** One stored key at one revision. */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision at which this key was (last) created. */
  createRevision: number;
  /** Revision of the last write to this key: the object's resourceVersion. */
  modRevision: number;
}

export interface ListOptions {
  /** Read at this revision (0 or absent: latest). Below the compacted revision: StorageError 'Compacted'. */
  revision?: number;
  /** At most this many items (0 or absent: all). */
  limit?: number;
  /** Start strictly after this key (for continue tokens). */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at (the list's resourceVersion). */
  revision: number;
  /** True when `limit` cut the list short. */
  more: boolean;
  /** How many keys remain after the returned ones, when `more` (may be an estimate). */
  remaining?: number;
}

export type WatchEventType = 'create' | 'update' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  /** For create/update: the new value. For delete: the key with value = the deleted value, modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this event (absent for create). */
  prevKv?: KeyValue;
  /** The revision of this event (equals kv.modRevision). */
  revision: number;
}

export interface Watcher {
  /** Stop delivering events and release resources. Idempotent. */
  stop(): void;
}

export interface WatchHandlers {
  /** Events in revision order, each at most once, for revisions strictly greater than `afterRevision`. */
  onEvents(events: WatchEvent[]): void;
  /** Fatal watch error (e.g. Compacted when `afterRevision` is too old). No more events follow. */
  onError?(err: StorageError): void;
  /** Progress notification: every event up to `revision` has been delivered (drives BOOKMARKs). */
  onProgress?(revision: number): void;
}

export interface Storage {
  /** A short name for logs and metrics: `sqlite`, `etcd`. */
  readonly driver: string;
  /** Linearizable read of one key; null when absent. */
  get(key: string): Promise<KeyValue | null>;
  /** Keys under `prefix` (which should end with '/'), sorted by key, at one consistent revision. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of live keys under prefix (for apiserver_storage_objects and list remainingItemCount). */
  count(prefix: string): Promise<number>;
  /** Create-if-absent. Throws StorageError 'KeyExists' when the key exists. */
  create(key: string, value: string, opts?: { ttlSeconds?: number }): Promise<KeyValue>;
  /**
   * Compare-and-swap on modRevision. Throws 'NotFound' when absent, 'Conflict' (with `current`) when
   * the key's modRevision is not `expectedModRevision`.
   */
  update(key: string, value: string, expectedModRevision: number, opts?: { ttlSeconds?: number }): Promise<KeyValue>;
  /**
   * Delete, optionally only if the modRevision matches. Returns the deleted value, with
   * modRevision = the revision of the delete. Throws 'NotFound' / 'Conflict'.
   */
  delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }>;
  /** Watch every key under prefix for changes after `afterRevision` (0: from now). */
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watcher;
  /**
   * Ask open watches to report progress soon (onProgress), so a watcher of a quiet prefix learns the
   * store's revision has moved on. Optional: drivers that push progress on their own omit it.
   */
  requestProgress?(): void;
  /** The current global revision. */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable (everything below is compacted). */
  compactedRevision(): Promise<number>;
  /** Drop history at or below `revision`. Reads and watches below it then fail with 'Compacted'. */
  compact(revision: number): Promise<void>;
  /** Write a consistent snapshot of the whole store to `file` (drivers pick their native format). */
  snapshot(file: string): Promise<void>;
  close(): Promise<void>;
}

export type StorageErrorCode = 'NotFound' | 'KeyExists' | 'Conflict' | 'Compacted' | 'Unavailable' | 'Internal';

export class StorageError extends Error {
  constructor(public readonly code: StorageErrorCode, message: string, public readonly key?: string,
              public readonly current?: KeyValue, public readonly compactedRevision?: number) {
    super(message);
    this.name = 'StorageError';
  }
}

/** `/registry/<resource>/<namespace>/<name>` or `/registry/<resource>/<name>`. Group-qualified resources
 * (other than core and a few legacy groups) use `<group>/<resource>` as Kubernetes does for CRDs. */
export function registryKey(resourcePrefix: string, namespace: string | undefined, name: string): string {
  return namespace ? `/registry/${resourcePrefix}/${namespace}/${name}` : `/registry/${resourcePrefix}/${name}`;
}

export function registryPrefix(resourcePrefix: string, namespace?: string): string {
  return namespace ? `/registry/${resourcePrefix}/${namespace}/` : `/registry/${resourcePrefix}/`;
}
