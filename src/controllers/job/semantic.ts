/**
 * @module controllers/job/semantic
 * Deep equality of JSON values whatever the order of object keys (apimachinery's
 * equality.Semantic.DeepEqual for our purposes): a controller compares the status it computed with
 * the one the server returned, whose keys may come back in another order, and must not write when
 * nothing changed, or each write would trigger the next sync and the next write.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const defined = (o: any) => Object.keys(o).filter((k) => o[k] !== undefined);
  const ka = defined(a), kb = defined(b);
  return ka.length === kb.length && ka.every((k) => semanticEqual((a as any)[k], (b as any)[k]));
}
