/**
 * @module metrics/registry
 * A small Prometheus registry (counters, gauges, histograms with labels) rendered in the text
 * exposition format, shared by every component's `/metrics`.
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

export class Counter implements Metric {
  private values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: string[] = []) {}
  inc(labels: Labels = {}, v = 1): void { const k = labelKey(this.labelNames, labels); this.values.set(k, (this.values.get(k) ?? 0) + v); }
  render(): string {
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [k, v] of this.values) s += `${this.name}${renderLabels(this.labelNames, k)} ${v}\n`;
    return s;
  }
}

export class Gauge implements Metric {
  private values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: string[] = [], private collect?: (g: Gauge) => void) {}
  set(labels: Labels, v: number): void { this.values.set(labelKey(this.labelNames, labels), v); }
  add(labels: Labels, v: number): void { const k = labelKey(this.labelNames, labels); this.values.set(k, (this.values.get(k) ?? 0) + v); }
  render(): string {
    this.collect?.(this);
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    for (const [k, v] of this.values) s += `${this.name}${renderLabels(this.labelNames, k)} ${v}\n`;
    return s;
  }
}

export class Histogram implements Metric {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly labelNames: string[], readonly buckets: number[]) {}
  observe(labels: Labels, v: number): void {
    const k = labelKey(this.labelNames, labels);
    let s = this.series.get(k);
    if (!s) { s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }; this.series.set(k, s); }
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) { s.counts[i]++; break; }
    s.sum += v; s.count++;
  }
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
  register<T extends Metric>(m: T): T { this.metrics.push(m); return m; }
  render(): string { return this.metrics.map((m) => m.render()).join(''); }
}

/** Process metrics every component exposes. */
export function processMetrics(reg: MetricsRegistry): void {
  const start = Date.now() / 1000 - process.uptime();
  reg.register(new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', [], (g) => g.set({}, process.memoryUsage.rss())));
  reg.register(new Gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', [], (g) => g.set({}, start)));
  reg.register(new Gauge('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', [], (g) => { const u = process.cpuUsage(); g.set({}, (u.user + u.system) / 1e6); }));
}
