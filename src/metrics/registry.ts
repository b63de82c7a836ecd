/**
 * @module metrics/registry
 * A small Prometheus registry (counters, gauges, histograms with labels) rendered in the text
 * exposition format, shared by every component's `/metrics`.
 *
 * `with(labels)` binds one series once (client_golang's WithLabelValues), so hot paths such as a
 * work queue's add/get/done update a number without building a label key each time.
 * `defaultRegistry` is the process-wide registry (component-base's legacyregistry): components
 * that run inside another one's process (the controller manager's work queues, the scheduler
 * inside `skiff server`) register there, and the hosting server renders it with its own.
 */

type Labels = Record<string, string>;

function labelKey(names: string[], labels: Labels): string {
  return names.map((n) => labels[n] ?? '').join('\u0000');
}
function renderLabels(names: string[], key: string, extra = ''): string {
  const vals = key.split('\u0000');
  const parts = names.map((n, i) => `${n}="${(vals[i] ?? '').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

interface Metric { render(): string }

/** One bound series of a counter or gauge. */
export interface Cell { v: number }

function cellOf(values: Map<string, Cell>, k: string): Cell {
  let c = values.get(k);
  if (!c) { c = { v: 0 }; values.set(k, c); }
  return c;
}

/** A counter bound to one label set. */
export interface CounterChild { inc(v?: number): void }
/** A gauge bound to one label set. */
export interface GaugeChild { set(v: number): void; add(v: number): void; get(): number }
/** A histogram bound to one label set. */
export interface HistogramChild { observe(v: number): void }

export class Counter implements Metric {
  private values = new Map<string, Cell>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: string[] = []) {}
  inc(labels: Labels = {}, v = 1): void { cellOf(this.values, labelKey(this.labelNames, labels)).v += v; }
  /** The series for `labels`, created (at 0) now. */
  with(labels: Labels = {}): CounterChild { const c = cellOf(this.values, labelKey(this.labelNames, labels)); return { inc: (v = 1) => { c.v += v; } }; }
  /** The current value for `labels` (0 when never counted). */
  get(labels: Labels = {}): number { return this.values.get(labelKey(this.labelNames, labels))?.v ?? 0; }
  render(): string {
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [k, c] of this.values) s += `${this.name}${renderLabels(this.labelNames, k)} ${c.v}\n`;
    return s;
  }
}

export class Gauge implements Metric {
  private values = new Map<string, Cell>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: string[] = [], private collect?: (g: Gauge) => void) {}
  set(labels: Labels, v: number): void { cellOf(this.values, labelKey(this.labelNames, labels)).v = v; }
  add(labels: Labels, v: number): void { cellOf(this.values, labelKey(this.labelNames, labels)).v += v; }
  /** The series for `labels`, created (at 0) now. */
  with(labels: Labels = {}): GaugeChild {
    const c = cellOf(this.values, labelKey(this.labelNames, labels));
    return { set: (v) => { c.v = v; }, add: (v) => { c.v += v; }, get: () => c.v };
  }
  /** The current value for `labels` after collecting (0 when never set). */
  get(labels: Labels = {}): number { this.collect?.(this); return this.values.get(labelKey(this.labelNames, labels))?.v ?? 0; }
  render(): string {
    this.collect?.(this);
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    for (const [k, c] of this.values) s += `${this.name}${renderLabels(this.labelNames, k)} ${c.v}\n`;
    return s;
  }
}

export class Histogram implements Metric {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: string[], readonly buckets: number[]) {}
  private seriesOf(labels: Labels): { counts: number[]; sum: number; count: number } {
    const k = labelKey(this.labelNames, labels);
    let s = this.series.get(k);
    if (!s) { s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }; this.series.set(k, s); }
    return s;
  }
  private static add(buckets: number[], s: { counts: number[]; sum: number; count: number }, v: number): void {
    for (let i = 0; i < buckets.length; i++) if (v <= buckets[i]) { s.counts[i]++; break; }
    s.sum += v; s.count++;
  }
  observe(labels: Labels, v: number): void { Histogram.add(this.buckets, this.seriesOf(labels), v); }
  /** The series for `labels`, created (empty) now. */
  with(labels: Labels = {}): HistogramChild { const s = this.seriesOf(labels); return { observe: (v) => Histogram.add(this.buckets, s, v) }; }
  /** How many observations `labels` has (0 when none). */
  count(labels: Labels = {}): number { return this.series.get(labelKey(this.labelNames, labels))?.count ?? 0; }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const [k, s] of this.series) {
      let cum = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cum += s.counts[i];
        out += `${this.name}_bucket${renderLabels(this.labelNames, k, `le="${this.buckets[i]}"`)} ${cum}\n`;
      }
      out += `${this.name}_bucket${renderLabels(this.labelNames, k, 'le="+Inf"')} ${s.count}\n`;
      out += `${this.name}_sum${renderLabels(this.labelNames, k)} ${s.sum}\n${this.name}_count${renderLabels(this.labelNames, k)} ${s.count}\n`;
    }
    return out;
  }
}

export class MetricsRegistry {
  private metrics: Metric[] = [];
  private remotes = new Set<() => Promise<string>>();
  register<T extends Metric>(m: T): T { this.metrics.push(m); return m; }
  render(): string { return this.metrics.map((m) => m.render()).join(''); }
  /**
   * Add text rendered elsewhere: a component on a worker thread of this process, whose module
   * state (and so its default registry) is its own. Returns the function that removes it.
   */
  addRemote(source: () => Promise<string>): () => void { this.remotes.add(source); return () => { this.remotes.delete(source); }; }
  /** Every remote source's text, to merge with render() (mergeExposition); a source that fails gives ''. */
  renderRemotes(): Promise<string[]> { return Promise.all([...this.remotes].map((r) => r().catch(() => ''))); }
}

/**
 * Merge texts in the exposition format so each family appears once (HELP and TYPE once, then
 * every source's samples), as the format requires when two threads both know a family.
 */
export function mergeExposition(texts: string[]): string {
  const fams = new Map<string, { help?: string; type?: string; samples: string[] }>();
  for (const t of texts) {
    let cur: { help?: string; type?: string; samples: string[] } | undefined;
    for (const line of t.split('\n')) {
      if (!line) continue;
      const m = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (m) {
        cur = fams.get(m[2]);
        if (!cur) fams.set(m[2], cur = { samples: [] });
        if (m[1] === 'HELP') cur.help ??= line; else cur.type ??= line;
        continue;
      }
      if (!cur) fams.set('', cur = { samples: [] });
      cur.samples.push(line);
    }
  }
  let out = '';
  for (const f of fams.values()) {
    if (f.help) out += `${f.help}\n`;
    if (f.type) out += `${f.type}\n`;
    for (const s of f.samples) out += `${s}\n`;
  }
  return out;
}

/**
 * The process-wide registry (component-base's legacyregistry): work queue and scheduler metrics
 * register here, and the process's HTTP server renders it after its own registry.
 */
export const defaultRegistry = new MetricsRegistry();

/**
 * `count` buckets from `start`, each `factor` times the one before (prometheus.ExponentialBuckets),
 * rounded to 12 significant digits so `le` labels read as upstream's (0.000001, not 9.99e-7).
 */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number((start * factor ** i).toPrecision(12)));
}

/** prometheus.DefBuckets. */
export const DEF_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Process metrics every component exposes. */
export function processMetrics(reg: MetricsRegistry): void {
  const start = Date.now() / 1000 - process.uptime();
  reg.register(new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', [], (g) => g.set({}, process.memoryUsage.rss())));
  reg.register(new Gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', [], (g) => g.set({}, start)));
  reg.register(new Gauge('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', [], (g) => { const u = process.cpuUsage(); g.set({}, (u.user + u.system) / 1e6); }));
}
