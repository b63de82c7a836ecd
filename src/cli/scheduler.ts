/**
 * @module cli/scheduler
 * `skiff scheduler`: the scheduler as its own process against any API server (kube-scheduler's
 * --kubeconfig and --leader-elect flags). With leader election, it schedules only while it holds
 * the kube-system/kube-scheduler Lease. `skiff server` runs the same in its process unless given
 * --disable-scheduler.
 */
import { TRACING_FLAG_OPTIONS, startComponentTracing, tracingSettings } from '../tracing/component.js';
import { SCHEDULER_SERVICE } from '../scheduler/tracing.js';
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { configFromKubeconfig, type ClientConfig } from '../client/transport.js';
import { newClientset } from '../client/clientset.js';
import { SharedInformerFactory } from '../client/informer-factory.js';
import { Recorder } from '../client/record/recorder.js';
import { LeaderElector } from '../client/leaderelection.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { parseDuration } from './flags.js';

export interface SchedulerRunOptions {
  leaderElection: { enabled: boolean; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  onLeading?(identity: string): void;
}

export interface RunningScheduler { identity: string; isLeader(): boolean; stop(): Promise<void> }

/** Run a scheduler (under leader election when asked) until stop(). */
export async function startScheduler(config: ClientConfig, o: SchedulerRunOptions): Promise<RunningScheduler> {
  const identity = `${hostname()}_${randomBytes(8).toString('hex')}`;
  const root = newClientset({ ...config, userAgent: 'kube-scheduler' });
  let running: { s: Scheduler; informers: SharedInformerFactory } | undefined;
  const begin = async () => {
    if (running) return;
    const informers = new SharedInformerFactory(root);
    const s = new Scheduler({ client: root, informers, recorder: new Recorder(root.events, 'default-scheduler') });
    running = { s, informers };
    informers.start();
    await informers.waitForCacheSync();
    if (running?.s !== s) return;
    s.run();
    o.onLeading?.(identity);
  };
  const end = () => {
    if (!running) return;
    running.s.stop();
    running.informers.stop();
    running = undefined;
  };
  let elector: LeaderElector | undefined;
  if (o.leaderElection.enabled) {
    elector = new LeaderElector({
      leases: root.leases, namespace: 'kube-system', name: 'kube-scheduler', identity,
      leaseDurationMs: o.leaderElection.leaseDurationMs, renewDeadlineMs: o.leaderElection.renewDeadlineMs, retryPeriodMs: o.leaderElection.retryPeriodMs,
      onStartedLeading: () => { void begin().catch((e) => console.error('skiff scheduler:', e)); },
      onStoppedLeading: end,
    });
    elector.run();
  } else {
    await begin();
  }
  return {
    identity,
    isLeader: () => (elector ? elector.isLeader() : !!running),
    async stop() { await elector?.stop(); end(); root.close(); },
  };
}

export async function schedulerCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({
    args: argv, options: {
      kubeconfig: { type: 'string' }, 'leader-elect': { type: 'string' }, 'leader-elect-lease-duration': { type: 'string' },
      'leader-elect-renew-deadline': { type: 'string' }, 'leader-elect-retry-period': { type: 'string' },
      ...TRACING_FLAG_OPTIONS,
    },
  });
  const kc = values.kubeconfig ?? process.env.KUBECONFIG;
  if (!kc) { process.stderr.write('skiff scheduler: --kubeconfig is required\n'); return 2; }
  const d = (k: 'leader-elect-lease-duration' | 'leader-elect-renew-deadline' | 'leader-elect-retry-period') => (values[k] ? parseDuration(values[k]!, k) : undefined);
  const config = configFromKubeconfig(kc);
  const tracing = startComponentTracing(SCHEDULER_SERVICE, {}, config, tracingSettings(values), (m) => process.stderr.write(`skiff scheduler: tracing: ${m}\n`), { asyncContext: false });
  const s = await startScheduler(config, {
    leaderElection: { enabled: values['leader-elect'] !== 'false', leaseDurationMs: d('leader-elect-lease-duration'), renewDeadlineMs: d('leader-elect-renew-deadline'), retryPeriodMs: d('leader-elect-retry-period') },
    onLeading: (id) => process.stderr.write(`skiff scheduler: leading as ${id}; scheduling\n`),
  });
  process.stderr.write(`skiff scheduler: started as ${s.identity}\n`);
  const stop = async () => { await s.stop(); await tracing.stop(); process.exit(0); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
