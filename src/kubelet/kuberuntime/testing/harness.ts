/**
 * @module kubelet/kuberuntime/testing/harness
 * A KubeRuntimeManager wired to the fake runtime, a movable clock, recorded events, and small
 * doubles of its collaborators (volumes, probes, clientset) for unit tests.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeRuntimeManager, type PodRuntimeStatus, type SyncResult } from '../runtime-manager.js';
import type { ProbeResult } from '../pod-actions.js';
import { FakeRuntime } from './fake-runtime.js';

export interface Harness {
  rt: FakeRuntime;
  m: KubeRuntimeManager;
  clock: { t: number };
  events: { type: string; reason: string; message: string }[];
  liveness: Map<string, ProbeResult>;
  root: string;
  /** getPodStatus + syncPod + getPodStatus. */
  sync(pod: any): Promise<{ result: SyncResult; status: PodRuntimeStatus }>;
  status(pod: any): Promise<PodRuntimeStatus>;
  cleanup(): void;
}

export function newHarness(o: { volumes?: Map<string, any>; mountError?: Error; clusterDNS?: string[]; cgroupRoot?: string } = {}): Harness {
  const clock = { t: 1_700_000_000_000 };
  const rt = new FakeRuntime(() => clock.t);
  const events: Harness['events'] = [];
  const liveness = new Map<string, ProbeResult>();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kuberuntime-test-'));
  const cs = { services: { list: async () => ({ items: [] }) } } as any;
  const m = new KubeRuntimeManager({
    runtime: rt, runtimeName: 'fake', nodeName: 'node-1', podLogsDir: path.join(root, 'pod-logs'), cgroupRoot: o.cgroupRoot ?? '/kubepods',
    volumes: { mountPod: async () => { if (o.mountError) throw o.mountError; return o.volumes ?? new Map(); } },
    probes: { livenessResult: (id) => liveness.get(id) },
    cs, recorder: { event: (_obj, type, reason, message) => { events.push({ type, reason, message }); } },
    hostIP: '192.0.2.10', clusterDNS: o.clusterDNS, memoryCapacityBytes: 4 * 1024 ** 3, now: () => clock.t,
    resolvConf: path.join(root, 'no-resolv.conf'),
  });
  const status = (pod: any) => m.getPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace);
  return {
    rt, m, clock, events, liveness, root, status,
    async sync(pod) {
      const result = await m.syncPod(pod, await status(pod));
      return { result, status: await status(pod) };
    },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

let uidSeq = 0;
/** A pod with the given containers (defaults filled as the API server would). */
export function newPod(spec: any, name = 'web'): any {
  const uid = `uid-${++uidSeq}`;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', uid },
    spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', ...spec },
  };
}

export const ctr = (name: string, extra: any = {}) => ({ name, image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', ...extra });
