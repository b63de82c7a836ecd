/**
 * @module client/record/recorder
 * client-go's event recorder: `recorder.event(obj, 'Normal', 'ScalingReplicaSet', 'Scaled up ...')`
 * writes a core/v1 Event about the object, which `kubectl describe` shows. Events are correlated as
 * client-go does it: an event identical to one already written (same object, type, reason, message,
 * source) bumps that Event's count and lastTimestamp instead of making another; when an object gets
 * more than ten similar events (same reason, different messages) within ten minutes they are
 * combined into one Event ("(combined from similar events): ..."); and, as client-go's spam filter,
 * one source writes at most 25 events about one object, then one per five minutes. Writing is fire-and-forget: a
 * component never waits on, or fails because of, an event. As client-go's recordToSink, a write
 * that fails in transport (no answer from the server) is tried again, up to 12 tries; one the
 * server refuses (a Status) is dropped with a warning. client-go sleeps 10 s between tries; here
 * 1 s, so an event lost to a dropped connection still shows within seconds.
 */
import type { ResourceClient } from '../rest.js';
import { StatusError } from '../../machinery/status.js';

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
/** client-go's maxTriesPerEvent. */
const MAX_TRIES = 12;
const RETRY_MS = 1_000;

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
    // client-go names an Event `<object>.<UnixNano hex>`. The clock here has milliseconds, so the
    // nanoseconds come from the monotonic clock: two events about one object in the same
    // millisecond (a kubelet's NodeReady and Starting) must not get the same name, or the second
    // is refused as AlreadyExists and lost.
    const name = `${involved.name}.${(BigInt(now) * 1_000_000n + process.hrtime.bigint() % 1_000_000n).toString(16)}`;
    // Writes for one key go one after another so a count bump never races the create it follows.
    const run = (this.pending.get(key) ?? Promise.resolve()).then(async () => {
      const prev = this.seen.get(key);
      if (prev) prev.count++;
      for (let tries = 1; ; tries++) {
        try {
          if (prev) {
            await this.events.patch(prev.namespace, prev.name, { count: prev.count, lastTimestamp: ts, message });
            return;
          }
          const ev = {
            apiVersion: 'v1', kind: 'Event', metadata: { name, namespace }, involvedObject: involved, reason, message, type,
            source: { component: this.component, ...(this.host ? { host: this.host } : {}) }, firstTimestamp: ts, lastTimestamp: ts, count: 1,
            reportingComponent: this.component, reportingInstance: this.host,
          };
          await this.events.create(namespace, ev);
          this.remember(this.seen, key, { name, namespace, count: 1, firstTimestamp: ts, at: now });
          return;
        } catch (e) {
          // Events are best-effort, as in client-go: a refusal is final, a transport failure is retried.
          if (e instanceof StatusError) {
            if (e.reason !== 'AlreadyExists' && !this.closed) process.emitWarning(`${this.component}: server rejected event ${reason} about ${involved.kind}/${involved.name} (will not retry): ${e.message}`);
            return;
          }
          if (tries >= MAX_TRIES || this.closed) {
            if (!this.closed) process.emitWarning(`${this.component}: unable to write event ${reason} about ${involved.kind}/${involved.name} after ${tries} tries: ${(e as Error)?.message ?? e}`);
            return;
          }
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }
    });
    this.pending.set(key, run);
    void run.then(() => { if (this.pending.get(key) === run) this.pending.delete(key); });
  }

  /** Set when the component stops: no more retries or warnings. */
  closed = false;

  /** Resolves when every event recorded so far has been written (for tests and shutdown). */
  async flush(): Promise<void> { while (this.pending.size) await Promise.all([...this.pending.values()]); }

  private remember<V>(m: Map<string, V>, k: string, v: V): void {
    m.set(k, v);
    if (m.size > MAX_CACHE) m.delete(m.keys().next().value as string);
  }
}
