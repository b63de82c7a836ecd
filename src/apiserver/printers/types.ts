/**
 * @module apiserver/printers/types
 * A printer turns an object into one server-side Table row: the columns `kubectl get` shows
 * (priority 0) and the extra ones of `-o wide` (priority 1), as Kubernetes' printers do.
 */

export interface ColumnDefinition { name: string; type: string; format: string; description: string; priority: number }

export interface Printer {
  columns: ColumnDefinition[];
  /** One cell per column, in order. `now` is the time the table is made (for ages). */
  cells(obj: any, now: number): unknown[];
}

export function col(name: string, type: string, description: string, priority = 0, format = ''): ColumnDefinition {
  return { name, type, format, description, priority };
}

export const NAME_COLUMN = col('Name', 'string', 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', 0, 'name');

/** Kubernetes' human-readable duration (duration.HumanDuration): 5s, 3m20s, 2d4h, 3y... */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '<invalid>';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  if (h < 24 * 365 * 8) { const y = Math.floor(h / 24 / 365); const d = Math.floor(h / 24) % 365; return d === 0 ? `${y}y` : `${y}y${d}d`; }
  return `${Math.floor(h / 24 / 365)}y`;
}

/** The AGE cell: `<unknown>` when there is no creationTimestamp. */
export function age(obj: any, now: number): string {
  const t = obj?.metadata?.creationTimestamp;
  if (!t) return '<unknown>';
  return humanDuration(now - Date.parse(t));
}
