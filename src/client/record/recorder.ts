/**
 * @module client/record/recorder
 * client-go's event recorder: `recorder.event(obj, 'Normal', 'ScalingReplicaSet', 'Scaled up ...')`
 * writes a core/v1 Event about the object, which `kubectl describe` shows. Events are correlated as
 * client-go does it: an event identical to one already written (same object, type, reason, message,
 * source) bumps that Event's count and lastTimestamp instead of making another; when an object gets
 * more than ten similar events (same reason, different messages) within ten minutes they are
 * combined into one Event ("(combined from similar events): ..."); and, as client-go's spam filter,
 * one source writes at most 25 events about one object, then one per five minutes. Writing is fire-and-forget: a
 * component never waits on, or fails because of, an event.
 */
import type { ResourceClient } from '../rest.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: any, type: EventType, reason: string, message: string): void;
}

interface Seen { name: string; namespace: string; count: number; firstTimestamp: string; at: number }
interface Similar { messages: Set<string>; since: number; aggregate?: Seen }

const MAX_CACHE = 4096;
/** client-go's EventSourceObjectSpamFilter: per source and object, a burst of 25 then one per 5 minutes. */
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 5 * 60_000;
const SIMILAR_MAX = 10;
const SIMILAR_WINDOW_MS = 10 * 60_000;

export class Recorder implements EventRecorder {
  private seen = new Map<string, Seen>();
  private similar = new Map<string, Similar>();
  private pending = new Map<string, Promise<void>>();
  private spam = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly events: ResourceClient, private readonly component: string, private readonly host = '') {}

  event(obj: any, type: EventType, reason: string, message: string): void {
    const m = obj?.metadata ?? {};
    const involved = {
      kind: obj?.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: obj?.apiVersion, resourceVersion: m.resourceVersion,
    };
    const namespace = m.namespace || 'default';
    const objKey = [this.component, this.host, involved.kind, involved.namespace, involved.name, involved.uid, involved.apiVersion].join('\0');
    const similarKey = `${objKey}\0${type}\0${reason}`;
    const now = Date.now();
    // A ReplicaSet creating a thousand pods writes 25 events about itself, not a thousand.
    const bucket = this.spam.get(objKey) ?? { tokens: SPAM_BURST, at: now };
    bucket.tokens = Math.min(SPAM_BURST, bucket.tokens + (now - bucket.at) / SPAM_REFILL_MS);
    bucket.at = now;
    if (bucket.tokens < 1) return;
    bucket.tokens -= 1;
    this.remember(this.spam, objKey, bucket);
    let sim = this.similar.get(similarKey);
    if (!sim || now - sim.since > SIMILAR_WINDOW_MS) { sim = { messages: new Set(), since: now }; this.remember(this.similar, similarKey, sim); }
    sim.messages.add(message);
    if (sim.messages.size > SIMILAR_MAX) message = `(combined from similar events): ${message}`;
    const key = sim.messages.size > SIMILAR_MAX ? `${similarKey}\0combined` : `${similarKey}\0${message}`;
    const ts = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
    // Writes for one key go one after another so a count bump never races the create it follows.
    const run = (this.pending.get(key) ?? Promise.resolve()).then(async () => {
      const prev = this.seen.get(key);
      try {
        if (prev) {
          prev.count++;
          await this.events.patch(prev.namespace, prev.name, { count: prev.count, lastTimestamp: ts, message });
          return;
        }
        const name = `${involved.name}.${(BigInt(now) * 1_000_000n + BigInt(this.seen.size % 1_000_000)).toString(16)}`;
        const ev = {
          apiVersion: 'v1', kind: 'Event', metadata: { name, namespace }, involvedObject: involved, reason, message, type,
          source: { component: this.component, ...(this.host ? { host: this.host } : {}) }, firstTimestamp: ts, lastTimestamp: ts, count: 1,
          reportingComponent: this.component, reportingInstance: this.host,
        };
        await this.events.create(namespace, ev);
        this.remember(this.seen, key, { name, namespace, count: 1, firstTimestamp: ts, at: now });
      } catch { /* events are best-effort, as in client-go */ }
    });
    this.pending.set(key, run);
    void run.then(() => { if (this.pending.get(key) === run) this.pending.delete(key); });
  }

  /** Resolves when every event recorded so far has been written (for tests and shutdown). */
  async flush(): Promise<void> { while (this.pending.size) await Promise.all([...this.pending.values()]); }

  private remember<V>(m: Map<string, V>, k: string, v: V): void {
    m.set(k, v);
    if (m.size > MAX_CACHE) m.delete(m.keys().next().value as string);
  }
}
