/**
 * @module cli/controller-manager
 * `skiff controller-manager`: the controller manager as its own process against any API server
 * (kube-controller-manager's flags: --kubeconfig, --controllers, --leader-elect, --cluster-cidr,
 * --node-cidr-mask-size, --node-monitor-grace-period, --node-monitor-period). `skiff server` runs
 * the same thing in its process unless given --disable-controller-manager.
 */
import { TRACING_FLAG_OPTIONS, startComponentTracing, tracingSettings } from '../tracing/component.js';
import { CONTROLLER_MANAGER_SERVICE } from '../controllers/framework.js';
import { parseArgs } from 'node:util';
import { configFromKubeconfig } from '../client/transport.js';
import { ControllerManager } from '../controllers/manager.js';
import { CONTROLLERS } from '../controllers/registry.js';
import type { ControllerOptions } from '../controllers/framework.js';
import { parseDuration } from './flags.js';

export const CONTROLLER_MANAGER_FLAG_OPTIONS = {
  controllers: { type: 'string' },
  'cluster-cidr': { type: 'string' },
  'node-cidr-mask-size': { type: 'string' },
  'node-monitor-grace-period': { type: 'string' },
  'node-monitor-period': { type: 'string' },
  'use-service-account-credentials': { type: 'string' },
  'terminated-pod-gc-threshold': { type: 'string' },
  'kube-api-qps': { type: 'string' },
  'kube-api-burst': { type: 'string' },
  'cluster-signing-cert-file': { type: 'string' },
  'cluster-signing-key-file': { type: 'string' },
  'cluster-signing-duration': { type: 'string' },
} as const;

/**
 * Each controller's client-side rate limit (--kube-api-qps/--kube-api-burst). Kubernetes defaults
 * to 20/30; skiff's are higher because one skiff API server takes a few thousand writes a second
 * and a 10,000-pod rollout should take seconds, while still keeping one controller from flooding
 * the server with thousands of requests at once.
 */
export const DEFAULT_KUBE_API_QPS = 400;
export const DEFAULT_KUBE_API_BURST = 600;

export function controllerOptionsFromFlags(v: Record<string, unknown>): { options: Partial<ControllerOptions>; controllers: string[]; useSA: boolean; qps: number; burst: number } {
  const options: Partial<ControllerOptions> = {};
  if (v['cluster-cidr']) options.clusterCIDR = String(v['cluster-cidr']);
  if (v['node-cidr-mask-size']) options.nodeCIDRMaskSize = Number(v['node-cidr-mask-size']);
  if (v['node-monitor-grace-period']) options.nodeMonitorGracePeriodMs = parseDuration(String(v['node-monitor-grace-period']), 'node-monitor-grace-period');
  if (v['node-monitor-period']) options.nodeMonitorPeriodMs = parseDuration(String(v['node-monitor-period']), 'node-monitor-period');
  if (v['terminated-pod-gc-threshold']) options.terminatedPodGCThreshold = Number(v['terminated-pod-gc-threshold']);
  if (v['cluster-signing-cert-file']) options.clusterSigningCertFile = String(v['cluster-signing-cert-file']);
  if (v['cluster-signing-key-file']) options.clusterSigningKeyFile = String(v['cluster-signing-key-file']);
  if (v['cluster-signing-duration']) options.clusterSigningDurationMs = parseDuration(String(v['cluster-signing-duration']), 'cluster-signing-duration');
  const controllers = v.controllers ? String(v.controllers).split(',').map((s) => s.trim()).filter(Boolean) : ['*'];
  const qps = v['kube-api-qps'] ? Number(v['kube-api-qps']) : DEFAULT_KUBE_API_QPS;
  const burst = v['kube-api-burst'] ? Number(v['kube-api-burst']) : DEFAULT_KUBE_API_BURST;
  return { options, controllers, useSA: v['use-service-account-credentials'] !== 'false', qps, burst };
}

export async function controllerManagerCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({
    args: argv, options: {
      kubeconfig: { type: 'string' }, 'leader-elect': { type: 'string' }, 'leader-elect-lease-duration': { type: 'string' },
      'leader-elect-renew-deadline': { type: 'string' }, 'leader-elect-retry-period': { type: 'string' },
      ...CONTROLLER_MANAGER_FLAG_OPTIONS, ...TRACING_FLAG_OPTIONS,
    },
  });
  const kc = values.kubeconfig ?? process.env.KUBECONFIG;
  if (!kc) { process.stderr.write('skiff controller-manager: --kubeconfig is required\n'); return 2; }
  const { options, controllers, useSA, qps, burst } = controllerOptionsFromFlags(values);
  const le = values['leader-elect'] !== 'false';
  const config = configFromKubeconfig(kc);
  const tracing = startComponentTracing(CONTROLLER_MANAGER_SERVICE, {}, config, tracingSettings(values), (m) => process.stderr.write(`skiff controller-manager: tracing: ${m}\n`));
  const mgr = new ControllerManager({
    config: { ...config, qps, burst }, descriptors: CONTROLLERS, controllers, options, useServiceAccountCredentials: useSA,
    leaderElection: {
      enabled: le,
      leaseDurationMs: values['leader-elect-lease-duration'] ? parseDuration(values['leader-elect-lease-duration'], 'leader-elect-lease-duration') : undefined,
      renewDeadlineMs: values['leader-elect-renew-deadline'] ? parseDuration(values['leader-elect-renew-deadline'], 'leader-elect-renew-deadline') : undefined,
      retryPeriodMs: values['leader-elect-retry-period'] ? parseDuration(values['leader-elect-retry-period'], 'leader-elect-retry-period') : undefined,
    },
  });
  mgr.onLeading = () => process.stderr.write(`skiff controller-manager: leading as ${mgr.identity}; controllers running\n`);
  await mgr.start();
  process.stderr.write(`skiff controller-manager: started (${le ? 'waiting for the kube-system/kube-controller-manager lease' : 'no leader election'})\n`);
  const stop = async () => { await mgr.stop(); await tracing.stop(); process.exit(0); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
