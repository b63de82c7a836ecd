/**
 * @module kubelet/volume/persistent-volume
 * A persistentVolumeClaim volume on this node: the claim must be Bound, and its PersistentVolume a
 * `local` or `hostPath` one (what a local-path provisioner makes); the pod then uses that path.
 * Errors read as the kubelet's volume manager logs them (`error processing PVC ns/x: PVC is not bound`).
 */
import { checkHostPathType } from './hostpath.js';
import { promises as fs } from 'node:fs';

export interface ResolvedPV { path: string; readOnly: boolean; pvName: string }

export async function resolveClaim(cs: any, namespace: string, source: { claimName: string; readOnly?: boolean }): Promise<ResolvedPV> {
  const where = `error processing PVC ${namespace}/${source.claimName}`;
  let pvc: any;
  try { pvc = await cs.persistentvolumeclaims.get(namespace, source.claimName); } catch (e) {
    throw new Error(`${where}: failed to fetch PVC from API server: ${(e as Error).message}`);
  }
  if (pvc.metadata?.deletionTimestamp) throw new Error(`${where}: PVC is being deleted`);
  if (pvc.status?.phase !== 'Bound') throw new Error(`${where}: PVC is not bound`);
  const pvName = pvc.spec?.volumeName;
  if (!pvName) throw new Error(`${where}: PVC has empty pvc.Spec.VolumeName`);
  let pv: any;
  try { pv = await cs.persistentvolumes.get('', pvName); } catch (e) {
    throw new Error(`${where}: failed to fetch PV ${pvName} from API server: ${(e as Error).message}`);
  }
  const ref = pv.spec?.claimRef;
  if (ref && ref.uid && pvc.metadata?.uid && ref.uid !== pvc.metadata.uid) {
    throw new Error(`${where}: entry in PV "${pvName}" is bound to a different PVC UID`);
  }
  const readOnly = source.readOnly === true;
  if (pv.spec?.local?.path) {
    const p = pv.spec.local.path;
    try { await fs.stat(p); } catch { throw new Error(`path "${p}" does not exist`); }
    return { path: p, readOnly, pvName };
  }
  if (pv.spec?.hostPath?.path) {
    await checkHostPathType(pv.spec.hostPath.path, pv.spec.hostPath.type);
    return { path: pv.spec.hostPath.path, readOnly, pvName };
  }
  throw new Error(`${where}: PersistentVolume "${pvName}" is not a local or hostPath volume, which this node cannot mount`);
}
