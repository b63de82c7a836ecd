/**
 * @module apiserver/printers/default
 * The table for kinds without a printer of their own: Name and Created At, as Kubernetes'
 * default table convertor does; and the one for custom resources built from
 * additionalPrinterColumns (JSONPath subset `.a.b[0].c`).
 */
import { col, NAME_COLUMN, age, type Printer } from './types.js';

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
  const hasAge = columns.some((c) => c.name.toLowerCase() === 'age');
  return {
    columns: [NAME_COLUMN, ...columns.map((c) => col(c.name, c.type, c.description ?? '', c.priority ?? 0, c.format ?? '')),
      ...(hasAge ? [] : [col('Age', 'date', 'Creation timestamp')])],
    cells: (o, now) => {
      const cells: unknown[] = [o.metadata?.name ?? ''];
      for (const c of columns) {
        const v = simpleJSONPath(o, c.jsonPath);
        if (c.type === 'date' && typeof v === 'string') cells.push(v);
        else cells.push(v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : v);
      }
      if (!hasAge) cells.push(age(o, now));
      return cells;
    },
  };
}
