/**
 * @module api/builtin/defaults
 * SetDefaults_* for the pod spec (shared by Pods and every pod template) and for Services.
 */

function defaultProbe(p: any): void {
  if (!p) return;
  p.timeoutSeconds ??= 1; p.periodSeconds ??= 10; p.successThreshold ??= 1; p.failureThreshold ??= 3;
  if (p.httpGet) { p.httpGet.path ??= '/'; p.httpGet.scheme ??= 'HTTP'; }
}

function defaultContainer(c: any): void {
  if (!c || typeof c !== 'object') return;
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
    const tag = /:([^/@]+)$/.exec(c.image.split('@')[0])?.[1];
    c.imagePullPolicy = c.image.includes('@') ? 'IfNotPresent' : !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  for (const p of c.ports ?? []) if (p && typeof p === 'object') p.protocol ??= 'TCP';
  defaultProbe(c.livenessProbe); defaultProbe(c.readinessProbe); defaultProbe(c.startupProbe);
  for (const e of c.env ?? []) if (e?.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
  if (c.resources === undefined) c.resources = {};
  // Requests default to limits where only limits are given.
  if (c.resources?.limits && typeof c.resources.limits === 'object') {
    c.resources.requests ??= {};
    for (const [k, v] of Object.entries(c.resources.limits)) if (c.resources.requests[k] === undefined) c.resources.requests[k] = v;
  }
}

export function defaultPodSpec(spec: any): void {
  if (!spec || typeof spec !== 'object') return;
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  for (const c of [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])]) defaultContainer(c);
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (v?.configMap) v.configMap.defaultMode ??= 420;
    if (v?.secret) v.secret.defaultMode ??= 420;
    if (v?.downwardAPI) v.downwardAPI.defaultMode ??= 420;
    if (v?.projected) v.projected.defaultMode ??= 420;
    if (v?.hostPath) v.hostPath.type ??= '';
  }
}

export function defaultService(o: any): void {
  const spec = o.spec;
  if (!spec || typeof spec !== 'object') return;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer')) spec.externalTrafficPolicy ??= 'Cluster';
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!p || typeof p !== 'object') continue;
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined && spec.type !== 'ExternalName') p.targetPort = p.port;
  }
}
