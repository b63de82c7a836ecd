/**
 * @module kubelet/volume/downwardapi
 * The downwardAPI volume's payload (pkg/volume/downwardapi CollectData): a file per item holding
 * a pod field (metadata.name, namespace, uid, labels, annotations) or a container's resource value.
 * Labels and annotations change with the pod, so the files are rewritten when the pod changes.
 */
import * as path from 'node:path';
import type { FileProjection } from './atomic-writer.js';
import { aggregate } from './errors.js';
import { containerResourceValue, extractFieldPathAsString, findContainer } from '../envvars/fieldpath.js';

export function downwardAPIPayload(pod: any, items: any[] | undefined, defaultMode: number, allocatable: Record<string, string>): Map<string, FileProjection> {
  const payload = new Map<string, FileProjection>();
  const errs: Error[] = [];
  for (const it of items ?? []) {
    const mode = it.mode ?? defaultMode;
    let value = '';
    try {
      if (it.fieldRef) value = extractFieldPathAsString(pod, it.fieldRef.fieldPath);
      else if (it.resourceFieldRef) {
        const c = findContainer(pod, it.resourceFieldRef.containerName);
        if (!c) throw new Error(`container ${it.resourceFieldRef.containerName} not found`);
        value = containerResourceValue(it.resourceFieldRef, c, allocatable);
      }
    } catch (e) { errs.push(e as Error); }
    payload.set(path.posix.normalize(it.path), { data: Buffer.from(value), mode });
  }
  const err = aggregate(errs);
  if (err) throw err;
  return payload;
}

/** Whether any item needs the node's allocatable (an unset limit). */
export const needsAllocatable = (items: any[] | undefined) => (items ?? []).some((i) => i.resourceFieldRef && /^limits\./.test(i.resourceFieldRef.resource));
