/**
 * @module apiserver/printers
 * Which printer a resource uses: a kind's own (registered by group/resource), else the default.
 */
import type { Printer } from './types.js';
import { defaultPrinter } from './default.js';

const printers = new Map<string, Printer>();

export function registerPrinter(group: string, resource: string, p: Printer): void {
  printers.set(`${group}/${resource}`, p);
}

export function printerFor(group: string, resource: string): Printer {
  return printers.get(`${group}/${resource}`) ?? defaultPrinter;
}

export type { Printer } from './types.js';
