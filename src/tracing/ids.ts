/**
 * @module tracing/ids
 * Trace and span IDs (W3C: 16 and 8 bytes, lowercase hex). Trace IDs are random, drawn from a
 * pooled buffer of crypto-random bytes (one `randomFillSync` per 256 IDs instead of one per trace);
 * span IDs are a random per-process prefix and a counter, which keeps them off the API server's hot path.
 */
import { randomFillSync } from 'node:crypto';

const POOL = Buffer.alloc(4096);
let offset = POOL.length;

function take(n: number): string {
  if (offset + n > POOL.length) { randomFillSync(POOL); offset = 0; }
  const s = POOL.toString('hex', offset, offset + n);
  offset += n;
  return s;
}

const ZERO_TRACE = '0'.repeat(32);

/** 32 hex characters, never all zeros (an invalid trace ID). */
export function newTraceId(): string {
  for (;;) { const id = take(16); if (id !== ZERO_TRACE) return id; }
}

// Span IDs need only be unique within a trace: a random 32-bit prefix per process (drawn again
// each time the counter wraps) and a counter, formatted without touching a Buffer.
let spanPrefix = '';
let spanCounter = 0xffffffff;

/** 16 hex characters, never all zeros (an invalid span ID). */
export function newSpanId(): string {
  if (++spanCounter > 0xffffffff) {
    do { spanPrefix = take(4); } while (spanPrefix === '00000000');
    spanCounter = 1;
  }
  const c = spanCounter.toString(16);
  return spanPrefix + (c.length === 8 ? c : '00000000'.slice(c.length) + c);
}
