/**
 * @module apiserver/endpoints/table
 * Server-side Table responses (meta.k8s.io/v1 Table), which is what makes `kubectl get` print
 * the right columns. Rows carry the object as PartialObjectMetadata unless includeObject says otherwise.
 */
import type { Printer } from '../printers/types.js';

export function partialObjectMetadata(obj: any): object {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

function rowObject(obj: any, include: 'None' | 'Metadata' | 'Object'): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return partialObjectMetadata(obj);
}

export function tableJSON(printer: Printer, objs: any[], include: 'None' | 'Metadata' | 'Object', meta: Record<string, unknown>, withColumns = true): string {
  const now = Date.now();
  const rows = objs.map((o) => {
    let cells: unknown[];
    try { cells = printer.cells(o, now); } catch { cells = printer.columns.map((_, i) => (i === 0 ? o.metadata?.name ?? '' : '<error>')); }
    const r: Record<string, unknown> = { cells };
    const ro = rowObject(o, include);
    if (ro !== undefined) r.object = ro;
    return r;
  });
  return JSON.stringify({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: meta, columnDefinitions: withColumns ? printer.columns : [], rows });
}
