/**
 * @module apiserver/printers
 * Which printer a resource uses: a kind's own (registered by group/resource), else the default.
 */
import type { Printer } from './types.js';
import { defaultPrinter } from './default.js';
import { builtinPrinters } from './builtin.js';

const printers = new Map<string, Printer>(builtinPrinters.map(([g, r, p]) => [`${g}/${r}`, p]));

export function registerPrinter(group: string, resource: string, p: Printer): void {
  printers.set(`${group}/${resource}`, p);
}

export function printerFor(group: string, resource: string): Printer {
  return printers.get(`${group}/${resource}`) ?? defaultPrinter;
}

export type { Printer } from './types.js';
