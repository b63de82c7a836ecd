// TEMPORARY scratch stub (not committed): stands in until managedfields lands.
export function apply(live: any, applied: any, ..._r: any[]): any { return { object: { ...(live ?? {}), ...applied } }; }
export function updateManagedFields(_o: any, n: any, ..._r: any[]): any { return n; }
