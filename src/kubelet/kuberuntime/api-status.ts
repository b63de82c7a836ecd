/**
 * @module kubelet/kuberuntime/api-status
 * The pod's container statuses as the API shows them (upstream's convertToAPIContainerStatuses):
 * each spec container's newest runtime container gives `state`, the one before it `lastState`,
 * its attempt the `restartCount`; a container that failed to start this sync shows the sync's
 * waiting reason (ErrImagePull, CrashLoopBackOff, ...) with its last exit moved to `lastState`.
 * Exit messages come from the termination message file the container may have written, or its
 * log's tail with `FallbackToLogsOnError`. `ready` and `started` are left to the probe manager.
 */
import * as fs from 'node:fs';
import type { ContainerStatus } from '../cri/api.js';
import { containerNameOf, restartCountOf, TERMINATION_MESSAGE_PATH_ANNOTATION, TERMINATION_MESSAGE_POLICY_ANNOTATION } from './labels.js';
import { findContainerStatus, shouldContainerBeRestarted } from './pod-actions.js';
import { getPodQOS } from './qos.js';
import type { PodRuntimeStatus, SyncResult } from './runtime-manager.js';

/** Upstream's caps: the message file is read up to 4096 bytes; the log fallback is 80 lines / 2048 bytes. */
const MAX_MESSAGE_BYTES = 4096;
const MAX_LOG_LINES = 80;
const MAX_LOG_BYTES = 2048;

/** RFC 3339 with seconds, as metav1.Time serializes. */
export const apiTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function readHead(file: string, max: number): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(max);
    const n = fs.readSync(fd, buf, 0, max, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch { return ''; } finally { if (fd !== undefined) fs.closeSync(fd); }
}

/** The last lines of a CRI-format log (`<time> <stream> <F|P> <text>`), as plain text. */
export function tailLog(file: string, lines = MAX_LOG_LINES, bytes = MAX_LOG_BYTES): string {
  let text = '';
  try {
    const st = fs.statSync(file);
    const start = Math.max(0, st.size - bytes * 4);
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(st.size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      text = buf.toString('utf8');
    } finally { fs.closeSync(fd); }
  } catch { return ''; }
  let out = '';
  for (const line of text.split('\n')) {
    const m = /^\S+ (?:stdout|stderr) ([FP]) ?(.*)$/.exec(line);
    if (!m) continue;
    out += m[2] + (m[1] === 'F' ? '\n' : '');
  }
  const kept = out.split('\n');
  if (kept[kept.length - 1] === '') kept.pop();
  let res = kept.slice(-lines).join('\n') + (kept.length ? '\n' : '');
  if (Buffer.byteLength(res) > bytes) res = Buffer.from(res).subarray(-bytes).toString('utf8');
  return res;
}

/** The termination message of an exited container: its file, else (by policy, on failure) its log's tail. */
export function terminationMessage(s: ContainerStatus): string {
  const p = s.annotations?.[TERMINATION_MESSAGE_PATH_ANNOTATION];
  let msg = '';
  if (p) {
    const m = s.mounts?.find((x) => x.containerPath === p);
    if (m) msg = readHead(m.hostPath, MAX_MESSAGE_BYTES);
  }
  if (!msg && s.exitCode !== 0 && s.annotations?.[TERMINATION_MESSAGE_POLICY_ANNOTATION] === 'FallbackToLogsOnError' && s.logPath) msg = tailLog(s.logPath);
  return msg;
}

/** The API state of one runtime container. */
export function containerState(s: ContainerStatus, runtimeName: string): any {
  switch (s.state) {
    case 'CONTAINER_RUNNING':
      return { running: { startedAt: apiTime(s.startedAtMs) } };
    case 'CONTAINER_EXITED': {
      const tm = terminationMessage(s);
      const message = [s.message, tm].filter(Boolean).join(': ');
      const t: any = {
        exitCode: s.exitCode, reason: s.reason || (s.exitCode === 0 ? 'Completed' : 'Error'),
        startedAt: s.startedAtMs ? apiTime(s.startedAtMs) : null, finishedAt: s.finishedAtMs ? apiTime(s.finishedAtMs) : null,
        containerID: `${runtimeName}://${s.id}`,
      };
      if (message) t.message = message;
      return { terminated: t };
    }
    case 'CONTAINER_CREATED':
      return { waiting: { reason: 'ContainerCreating' } };
    default:
      return { waiting: {} };
  }
}

function convertStatuses(pod: any, specs: any[], rs: PodRuntimeStatus, sync: SyncResult | undefined, runtimeName: string, old: any[], isInit: boolean, initDone: boolean): any[] {
  const oldByName = new Map<string, any>((old ?? []).map((s: any) => [s.name, s]));
  const out = new Map<string, any>();
  const defaultWaiting = { waiting: { reason: !isInit && !initDone ? 'PodInitializing' : 'ContainerCreating' } };
  for (const c of specs) {
    const prev = oldByName.get(c.name);
    let s: any = { name: c.name, image: c.image, imageID: '', state: defaultWaiting, lastState: {}, ready: false, restartCount: 0, started: false };
    if (prev?.state?.terminated) s = { ...prev, image: c.image };
    else if (prev) { s.restartCount = prev.restartCount ?? 0; s.lastState = prev.lastState ?? {}; }
    out.set(c.name, s);
  }
  const seen = new Map<string, number>();
  for (const rc of rs.containers) {
    const name = containerNameOf(rc);
    const s = out.get(name);
    if (!s) continue;
    const n = seen.get(name) ?? 0;
    if (n >= 2) continue;
    seen.set(name, n + 1);
    if (n === 0) {
      s.state = containerState(rc, runtimeName);
      s.containerID = `${runtimeName}://${rc.id}`;
      s.imageID = rc.imageRef ?? '';
      s.restartCount = restartCountOf(rc);
      s.started = rc.state === 'CONTAINER_RUNNING';
      s.lastState = {};
    } else {
      const st = containerState(rc, runtimeName);
      if (st.terminated) s.lastState = st;
    }
  }
  for (const c of specs) {
    if (isInit) {
      const r = findContainerStatus(rs, c.name);
      if (r && r.state === 'CONTAINER_EXITED' && r.exitCode === 0) continue;
    }
    if (!shouldContainerBeRestarted(c, pod, rs)) continue;
    const w = sync?.waiting.get(c.name);
    if (!w) continue;
    const s = out.get(c.name);
    if (s.state.terminated) s.lastState = s.state;
    s.state = { waiting: { reason: w.reason, message: w.message } };
  }
  const list = [...out.values()];
  if (!isInit) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return list;
}

/** Whether every init container has exited 0 (or an app container already runs). */
function initContainersDone(pod: any, rs: PodRuntimeStatus): boolean {
  if ((pod.spec?.containers ?? []).some((c: any) => findContainerStatus(rs, c.name))) return true;
  return (pod.spec?.initContainers ?? []).every((c: any) => {
    const s = findContainerStatus(rs, c.name);
    return s?.state === 'CONTAINER_EXITED' && s.exitCode === 0;
  });
}

/**
 * The API's container statuses (state, lastState, restartCount, image, imageID, containerID,
 * started; ready is filled later by probes), podIP(s) and qosClass, from the runtime status and
 * the last SyncResult. `previous` is the pod's last v1 PodStatus (for values the runtime no longer has).
 * `hostIP`, when given, is a host-network pod's IP (its sandbox has none of its own).
 */
export function toAPIPodStatus(pod: any, rs: PodRuntimeStatus, sync: SyncResult | undefined, runtimeName: string, previous: any, hostIP?: string): any {
  const prev = previous ?? {};
  const initDone = initContainersDone(pod, rs);
  const status: any = {
    qosClass: getPodQOS(pod),
    containerStatuses: convertStatuses(pod, pod.spec?.containers ?? [], rs, sync, runtimeName, prev.containerStatuses, false, initDone),
  };
  if ((pod.spec?.initContainers ?? []).length) {
    status.initContainerStatuses = convertStatuses(pod, pod.spec.initContainers, rs, sync, runtimeName, prev.initContainerStatuses, true, initDone);
  }
  if (pod.spec?.hostNetwork && hostIP) { status.podIP = hostIP; status.podIPs = [{ ip: hostIP }]; }
  else if (rs.ips.length) { status.podIP = rs.ips[0]; status.podIPs = rs.ips.map((ip) => ({ ip })); }
  return status;
}
