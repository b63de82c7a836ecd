/**
 * @module apiserver/printers/default
 * The table for kinds without a printer of their own: Name and Created At, as Kubernetes'
 * default table convertor does; and the one for custom resources built from
 * additionalPrinterColumns (JSONPath subset `.a.b[0].c`).
 */
import { col, NAME_COLUMN, humanDuration, type Printer } from './types.js';

export const defaultPrinter: Printer = {
  columns: [NAME_COLUMN, col('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  cells: (o) => [o.metadata?.name ?? '', o.metadata?.creationTimestamp ?? '<unknown>'],
};

export interface PrinterColumn { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }

/** Evaluate the simple JSONPath forms CRDs use (`.spec.replicas`, `.status.conditions[0].type`). */
export function simpleJSONPath(obj: any, path: string): unknown {
  const parts = path.replace(/^\{?\.?/, '').replace(/\}$/, '').split(/\.|\[|\]/).filter((p) => p !== '');
  let cur = obj;
  for (const p of parts) {
    if (cur === null || cur === undefined) return undefined;
    cur = /^\d+$/.test(p) && Array.isArray(cur) ? cur[Number(p)] : cur[p];
  }
  return cur;
}

export function customResourcePrinter(columns: PrinterColumn[]): Printer {
  // Kubernetes shows exactly the CRD's columns after Name; Age appears only when the CRD names it.
  return {
    columns: [NAME_COLUMN, ...columns.map((c) => col(c.name, c.type, c.description ?? '', c.priority ?? 0, c.format ?? ''))],
    cells: (o, now) => {
      const cells: unknown[] = [o.metadata?.name ?? ''];
      for (const c of columns) {
        const v = simpleJSONPath(o, c.jsonPath);
        // Date columns are shown as ages, as the apiextensions table convertor does.
        if (c.type === 'date' && typeof v === 'string') cells.push(Number.isNaN(Date.parse(v)) ? v : humanDuration(now - Date.parse(v)));
        else cells.push(v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : v);
      }
      return cells;
    },
  };
}
