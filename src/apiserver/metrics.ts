/**
 * @module apiserver/metrics
 * The API server's metrics, under Kubernetes' names. Its registry also renders the process-wide
 * default registry, so the controller manager's work queues and the scheduler that `skiff server`
 * runs in this process show at the same `/metrics`, as with kube-apiserver's legacyregistry.
 */
import { Counter, Gauge, Histogram, MetricsRegistry, defaultRegistry, mergeExposition, processMetrics } from '../metrics/registry.js';

export class APIServerMetrics {
  readonly registry = new MetricsRegistry();
  readonly requests = this.registry.register(new Counter('apiserver_request_total', 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.', ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code']));
  readonly duration = this.registry.register(new Histogram('apiserver_request_duration_seconds', 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.', ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
    [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60]));
  readonly longRunning = this.registry.register(new Gauge('apiserver_longrunning_requests', 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.', ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component']));
  readonly storageObjects: Gauge;
  constructor(countObjects: () => Map<string, number>) {
    this.storageObjects = this.registry.register(new Gauge('apiserver_storage_objects', 'Number of stored objects at the time of last check split by kind.', ['resource'], (g) => {
      for (const [r, n] of countObjects()) g.set({ resource: r }, n);
    }));
    processMetrics(this.registry);
    this.registry.register({ render: () => defaultRegistry.render() });
  }

  /** What `/metrics` serves: this registry, the process-wide one, and the components' threads. */
  async render(): Promise<string> {
    const local = this.registry.render();
    const remotes = await defaultRegistry.renderRemotes();
    return remotes.length ? mergeExposition([local, ...remotes]) : local;
  }
}
