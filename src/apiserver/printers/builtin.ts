/**
 * @module apiserver/printers/builtin
 * The `kubectl get` columns of the most used built-in kinds, as Kubernetes' printers define them
 * (pkg/printers/internalversion): priority 0 columns for `get`, priority 1 for `-o wide`.
 */
import { col, NAME_COLUMN, age, humanDuration, type Printer } from './types.js';
import { endpointsPrinters } from './endpoints.js';

const AGE = col('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
const none = (v: unknown) => (v === undefined || v === null || v === '' ? '<none>' : String(v));
const selectorText = (sel: any): string => {
  if (!sel) return '<none>';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) parts.push(`${e.key} ${String(e.operator).toLowerCase()} (${(e.values ?? []).join(',')})`);
  return parts.length ? parts.join(',') : '<none>';
};
const containersOf = (spec: any) => (spec?.template?.spec?.containers ?? []) as any[];

function podStatus(p: any): { ready: string; status: string; restarts: string } {
  const cs: any[] = p.status?.containerStatuses ?? [];
  const total = p.spec?.containers?.length ?? 0;
  const ready = cs.filter((c) => c.ready).length;
  let restarts = 0; let last = 0;
  let reason: string = p.status?.reason || p.status?.phase || 'Pending';
  for (const c of cs) {
    restarts += c.restartCount ?? 0;
    const t = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(t) && t > last) last = t;
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated) reason = c.state.terminated.reason || (c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`);
  }
  const init: any[] = p.status?.initContainerStatuses ?? [];
  init.forEach((c, i) => {
    if (c.state?.terminated?.exitCode === 0) return;
    if (reason.startsWith('Init:')) return;
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else if (c.state?.terminated) reason = `Init:${c.state.terminated.reason || 'Error'}`;
    else if (c.state?.running || c.state?.waiting) reason = `Init:${i}/${init.length}`;
  });
  if (p.metadata?.deletionTimestamp) reason = 'Terminating';
  const r = last ? `${restarts} (${humanDuration(Date.now() - last)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: r };
}

/** LAST SEEN as kubectl prints it: "5s", or "5s (x3 over 2m)" for a repeated event. */
function eventInterval(e: any, now: number): string {
  const last = Date.parse(e.lastTimestamp ?? e.eventTime ?? e.series?.lastObservedTime ?? e.metadata?.creationTimestamp ?? '');
  const first = Date.parse(e.firstTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '');
  const count = e.count ?? e.series?.count ?? 1;
  const lastText = Number.isNaN(last) ? '<unknown>' : humanDuration(now - last);
  return count > 1 && !Number.isNaN(first) ? `${lastText} (x${count} over ${humanDuration(now - first)})` : lastText;
}

const eventPrinter: Printer = {
  columns: [col('Last Seen', 'string', 'Time when last event occurred'), col('Type', 'string', 'Type of this event.'), col('Reason', 'string', 'Reason why this event was generated.'),
    col('Object', 'string', 'Object this event is about.'), col('Subobject', 'string', 'Subobject this event is about.', 1), col('Source', 'string', 'Source of the event.', 1),
    col('Message', 'string', 'A human-readable description of the status of this operation.'), col('First Seen', 'string', 'Time when first event occurred', 1),
    col('Count', 'integer', 'Number of event occurrences', 1), col('Name', 'string', 'Name of the event.', 1)],
  cells: (e, now) => {
    const o = e.involvedObject ?? e.regarding ?? {};
    const src = e.source?.component ? `${e.source.component}${e.source.host ? `, ${e.source.host}` : ''}` : (e.reportingController ?? e.reportingComponent ?? '');
    const first = Date.parse(e.firstTimestamp ?? e.eventTime ?? '');
    return [eventInterval(e, now), e.type ?? '', e.reason ?? '', `${String(o.kind ?? '').toLowerCase()}/${o.name ?? ''}`, o.fieldPath ?? '', src, e.message ?? e.note ?? '',
      Number.isNaN(first) ? '<unknown>' : humanDuration(now - first), e.count ?? e.series?.count ?? 1, e.metadata.name];
  },
};

/** [group, resource, printer] for every built-in kind with its own columns. */
export const builtinPrinters: [string, string, Printer][] = [
  ['', 'events', eventPrinter],
  ['events.k8s.io', 'events', eventPrinter],
  ['', 'pods', {
    columns: [NAME_COLUMN, col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'), col('Status', 'string', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'), AGE,
      col('IP', 'string', 'IP address allocated to the pod.', 1), col('Node', 'string', 'Name of the node the pod is assigned to.', 1),
      col('Nominated Node', 'string', 'Name of the node where the pod is nominated.', 1), col('Readiness Gates', 'string', 'Readiness gates of the pod.', 1)],
    cells: (o, now) => { const s = podStatus(o); const gates = o.spec?.readinessGates ?? [];
      return [o.metadata.name, s.ready, s.status, s.restarts, age(o, now), none(o.status?.podIP), none(o.spec?.nodeName), none(o.status?.nominatedNodeName),
        gates.length ? `${gates.filter((g: any) => (o.status?.conditions ?? []).some((c: any) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}` : '<none>']; },
  }],
  ['', 'namespaces', { columns: [NAME_COLUMN, col('Status', 'string', 'The status of the namespace'), AGE], cells: (o, now) => [o.metadata.name, o.status?.phase ?? '', age(o, now)] }],
  ['', 'configmaps', { columns: [NAME_COLUMN, col('Data', 'string', 'Number of data entries.'), AGE],
    cells: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o, now)] }],
  ['', 'secrets', { columns: [NAME_COLUMN, col('Type', 'string', 'The type of the secret'), col('Data', 'string', 'The number of entries in the secret'), AGE],
    cells: (o, now) => [o.metadata.name, o.type ?? '', Object.keys(o.data ?? {}).length, age(o, now)] }],
  ['', 'serviceaccounts', { columns: [NAME_COLUMN, col('Secrets', 'string', 'The number of secrets'), AGE], cells: (o, now) => [o.metadata.name, (o.secrets ?? []).length, age(o, now)] }],
  ['', 'services', {
    columns: [NAME_COLUMN, col('Type', 'string', 'The type of the service.'), col('Cluster-IP', 'string', 'The cluster IP of the service.'), col('External-IP', 'string', 'The external IP of the service.'),
      col('Port(s)', 'string', 'The ports of the service.'), AGE, col('Selector', 'string', 'The selector of the service.', 1)],
    cells: (o, now) => {
      const s = o.spec ?? {};
      const ext = s.type === 'ExternalName' ? s.externalName : (s.externalIPs?.length ? s.externalIPs.join(',') : s.type === 'LoadBalancer' ? ((o.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip || i.hostname).join(',') || '<pending>') : '<none>');
      const ports = (s.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>';
      const sel = Object.entries(s.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
      return [o.metadata.name, s.type ?? 'ClusterIP', s.type === 'ExternalName' ? '<none>' : none(s.clusterIP), ext, ports, age(o, now), sel];
    },
  }],
  ['', 'nodes', { columns: [NAME_COLUMN, col('Status', 'string', 'The status of the node'), col('Roles', 'string', 'The roles of the node'), AGE, col('Version', 'string', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', 'List of internal IPs.', 1), col('External-IP', 'string', 'List of external IPs.', 1), col('OS-Image', 'string', 'OS image reported by the node.', 1),
    col('Kernel-Version', 'string', 'Kernel version reported by the node.', 1), col('Container-Runtime', 'string', 'Container runtime reported by the node.', 1)],
    cells: (o, now) => {
      const ready = (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
      let status = ready ? (ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown') : 'Unknown';
      if (o.spec?.unschedulable) status += ',SchedulingDisabled';
      const roles = Object.keys(o.metadata.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.slice('node-role.kubernetes.io/'.length)).join(',') || '<none>';
      const addr = (t: string) => (o.status?.addresses ?? []).filter((a: any) => a.type === t).map((a: any) => a.address).join(',') || '<none>';
      const ni = o.status?.nodeInfo ?? {};
      return [o.metadata.name, status, roles, age(o, now), ni.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), none(ni.osImage), none(ni.kernelVersion), none(ni.containerRuntimeVersion)];
    } }],
  ['apps', 'deployments', { columns: [NAME_COLUMN, col('Ready', 'string', 'Number of the pod with ready state'), col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'), AGE,
    col('Containers', 'string', 'Names of each container in the template.', 1), col('Images', 'string', 'Images referenced by each container in the template.', 1), col('Selector', 'string', 'Label selector for pods.', 1)],
    cells: (o, now) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, age(o, now),
      containersOf(o.spec).map((c) => c.name).join(','), containersOf(o.spec).map((c) => c.image).join(','), selectorText(o.spec?.selector)] }],
  ['apps', 'replicasets', { columns: [NAME_COLUMN, col('Desired', 'integer', 'Number of desired pods.'), col('Current', 'integer', 'Number of actual replicas.'), col('Ready', 'integer', 'Number of ready replicas.'), AGE,
    col('Containers', 'string', 'Names of each container in the template.', 1), col('Images', 'string', 'Images referenced by each container in the template.', 1), col('Selector', 'string', 'Label selector for pods.', 1)],
    cells: (o, now) => [o.metadata.name, o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o, now),
      containersOf(o.spec).map((c) => c.name).join(','), containersOf(o.spec).map((c) => c.image).join(','), selectorText(o.spec?.selector)] }],
  ['apps', 'statefulsets', { columns: [NAME_COLUMN, col('Ready', 'string', 'Number of the pod with ready state'), AGE,
    col('Containers', 'string', 'Names of each container in the template.', 1), col('Images', 'string', 'Images referenced by each container in the template.', 1)],
    cells: (o, now) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, age(o, now), containersOf(o.spec).map((c) => c.name).join(','), containersOf(o.spec).map((c) => c.image).join(',')] }],
  ['apps', 'daemonsets', { columns: [NAME_COLUMN, col('Desired', 'integer', ''), col('Current', 'integer', ''), col('Ready', 'integer', ''), col('Up-to-date', 'integer', ''), col('Available', 'integer', ''),
    col('Node Selector', 'string', ''), AGE],
    cells: (o, now) => { const s = o.status ?? {}; return [o.metadata.name, s.desiredNumberScheduled ?? 0, s.currentNumberScheduled ?? 0, s.numberReady ?? 0, s.updatedNumberScheduled ?? 0, s.numberAvailable ?? 0,
      Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>', age(o, now)]; } }],
  ['batch', 'jobs', { columns: [NAME_COLUMN, col('Status', 'string', 'Status of the job.'), col('Completions', 'string', 'The completion status of the job.'), col('Duration', 'string', 'Time required to complete the job.'), AGE],
    cells: (o, now) => {
      const conds: any[] = o.status?.conditions ?? [];
      const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
      const status = has('Complete') ? 'Complete' : has('Failed') ? 'Failed' : has('Suspended') ? 'Suspended' : has('FailureTarget') ? 'FailureTarget' : 'Running';
      const start = Date.parse(o.status?.startTime ?? ''); const end = Date.parse(o.status?.completionTime ?? '');
      return [o.metadata.name, status, `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`, Number.isNaN(start) ? '' : humanDuration((Number.isNaN(end) ? now : end) - start), age(o, now)];
    } }],
  ['batch', 'cronjobs', { columns: [NAME_COLUMN, col('Schedule', 'string', ''), col('Timezone', 'string', ''), col('Suspend', 'boolean', ''), col('Active', 'integer', ''), col('Last Schedule', 'string', ''), AGE],
    cells: (o, now) => [o.metadata.name, o.spec?.schedule ?? '', o.spec?.timeZone ?? '<none>', !!o.spec?.suspend, (o.status?.active ?? []).length,
      o.status?.lastScheduleTime ? humanDuration(now - Date.parse(o.status.lastScheduleTime)) : '<none>', age(o, now)] }],
  ['networking.k8s.io', 'networkpolicies', { columns: [NAME_COLUMN, col('Pod-Selector', 'string', ''), AGE], cells: (o, now) => [o.metadata.name, selectorText(o.spec?.podSelector) === '<none>' ? '<none>' : selectorText(o.spec?.podSelector), age(o, now)] }],
  ['rbac.authorization.k8s.io', 'rolebindings', { columns: [NAME_COLUMN, col('Role', 'string', ''), AGE], cells: (o, now) => [o.metadata.name, `${o.roleRef?.kind}/${o.roleRef?.name}`, age(o, now)] }],
  ['rbac.authorization.k8s.io', 'clusterrolebindings', { columns: [NAME_COLUMN, col('Role', 'string', ''), AGE], cells: (o, now) => [o.metadata.name, `${o.roleRef?.kind}/${o.roleRef?.name}`, age(o, now)] }],
  ['coordination.k8s.io', 'leases', { columns: [NAME_COLUMN, col('Holder', 'string', ''), AGE], cells: (o, now) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o, now)] }],
  ['scheduling.k8s.io', 'priorityclasses', { columns: [NAME_COLUMN, col('Value', 'integer', ''), col('Global-Default', 'boolean', ''), col('Preemptionpolicy', 'string', ''), AGE],
    cells: (o, now) => [o.metadata.name, o.value ?? 0, !!o.globalDefault, o.preemptionPolicy ?? '', age(o, now)] }],
  ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations', { columns: [NAME_COLUMN, col('Webhooks', 'integer', 'Webhooks indicates the number of webhooks in the configuration'), AGE],
    cells: (o, now) => [o.metadata.name, (o.webhooks ?? []).length, age(o, now)] }],
  ['admissionregistration.k8s.io', 'validatingwebhookconfigurations', { columns: [NAME_COLUMN, col('Webhooks', 'integer', 'Webhooks indicates the number of webhooks in the configuration'), AGE],
    cells: (o, now) => [o.metadata.name, (o.webhooks ?? []).length, age(o, now)] }],
  ['policy', 'poddisruptionbudgets', { columns: [NAME_COLUMN, col('Min Available', 'string', ''), col('Max Unavailable', 'string', ''), col('Allowed Disruptions', 'integer', ''), AGE],
    cells: (o, now) => [o.metadata.name, o.spec?.minAvailable ?? 'N/A', o.spec?.maxUnavailable ?? 'N/A', o.status?.disruptionsAllowed ?? 0, age(o, now)] }],
  ['certificates.k8s.io', 'certificatesigningrequests', { columns: [NAME_COLUMN, AGE, col('SignerName', 'string', ''), col('Requestor', 'string', ''), col('RequestedDuration', 'string', ''), col('Condition', 'string', '')],
    cells: (o, now) => [o.metadata.name, age(o, now), o.spec?.signerName ?? '', o.spec?.username ?? '',
      typeof o.spec?.expirationSeconds === 'number' ? humanDuration(o.spec.expirationSeconds * 1000) : '<none>', csrCondition(o)] }],
  ...endpointsPrinters,
];

/** Kubernetes' CSR status column: its true conditions, `Issued` once it has a certificate, else `Pending`. */
function csrCondition(o: any): string {
  const types = (o.status?.conditions ?? []).filter((c: any) => c?.status === 'True' || !c?.status).map((c: any) => c.type as string);
  if (o.status?.certificate && types.includes('Approved')) types.push('Issued');
  return types.length ? types.join(',') : 'Pending';
}

