/**
 * @module apiserver/server
 * The API server: HTTPS (HTTP/2 and HTTP/1.1) on one port, the filter chain (authenticate ->
 * authorize -> handler), and routing to discovery, OpenAPI, health, metrics and the resources.
 * It is the only component that talks to storage.
 */
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { StatusError } from '../machinery/status.js';
import type { Storage } from '../storage/interface.js';
import { allResources } from '../api/schema/registry.js';
import type { ClusterPKI } from './pki/cluster-pki.js';
import { parseRequestInfo } from './request-info.js';
import { authenticate, x509Authenticator, type Authenticator, type BearerTokenAuthenticator } from './authn.js';
import { decide, forbiddenError, mastersAuthorizer, publicInfoAuthorizer, type Authorizer } from './authz.js';
import { AUDIT_ID_HEADER, requestMetaOf, type Auditor, type AuditContext } from './audit/auditor.js';
import { authenticationFailedMessage } from './audit/event.js';
import { impersonate } from './filters/impersonation.js';
import { VirtualEndpoints, type VirtualHandler } from './endpoints/virtual.js';
import { tokenReviewHandler, selfSubjectReviewHandler } from './registry/review/tokenreview.js';
import { subjectAccessReviewHandler, localSubjectAccessReviewHandler, selfSubjectAccessReviewHandler, selfSubjectRulesReviewHandler, type RulesResolver } from './registry/review/subjectaccessreview.js';
import { loopbackClient, type LoopbackClient } from './registry/loopback.js';
import { writeError, writeJSON, writeJSONText, type Req, type Res } from './endpoints/response.js';
import { serveResource } from './endpoints/resource.js';
import { apiVersions, apiGroupList, apiGroup, apiResourceList, aggregatedDiscovery, wantsAggregated } from './endpoints/discovery.js';
import { serveOpenAPI } from './endpoints/openapi.js';
import { APIServerMetrics } from './metrics.js';
import { ResourceRegistry } from './registry/resources.js';
import type { ValueTransformer } from './registry/codec.js';
import type { AdmissionChain } from './registry/context.js';
import { noAdmission } from './registry/context.js';
import { CRDController } from './registry/crd/controller.js';
import { NamespaceFinalizer } from './registry/namespace-finalizer.js';
import { podBindingHandler } from './registry/pod-binding.js';
import { KubeletProxy } from './proxy/kubelet-proxy.js';
import { MetricsServer } from '../metrics-server/metrics-server.js';
import { ensureComponentCert } from './pki/cluster-pki.js';
import { KubernetesServiceController } from './controlplane/kubernetes-service.js';
import { isUnspecified, resolveAdvertiseAddress } from './advertise-address.js';
import { writeUpgradeError } from '../machinery/streaming/upgrade.js';
import type { IncomingMessage } from 'node:http';
import { KeyspaceEndpoint } from './debug/keyspace.js';
import { DashboardFiles, isDashboardPath } from '../dashboard/static.js';
import type { Duplex } from 'node:stream';
import { apiserverTracer, startRequestTrace } from './tracing.js';
import { SpanStore } from '../tracing/store.js';
import { serveTracing, isTracingPath } from './endpoints/tracing.js';


/** Streams per HTTP/2 connection, and kube-apiserver's receive window per stream (resourceBody99Percentile). */
const MAX_STREAMS = 1000;
const UPLOAD_BUFFER_PER_STREAM = 256 * 1024;
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.4-skiff', gitCommit: 'skiff', gitTreeState: 'clean', buildDate: '2026-11-28T00:00:00Z', goVersion: 'go1.23.0', compiler: 'gc', platform: 'linux/amd64' };

/** Path and query of a request target, without WHATWG URL's cost on every request. */
function parseURL(target: string): URL {
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  return { pathname, searchParams: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) } as URL;
}

/** Kubernetes' metric verb (CleanVerb): the HTTP method for writes, LIST/WATCH for reads of collections, APPLY for server-side apply. */
function metricVerb(verb: string, req: Req): string {
  switch (verb) {
    case 'create': return 'POST';
    case 'update': return 'PUT';
    case 'patch': return String(req.headers['content-type'] ?? '').startsWith('application/apply-patch') ? 'APPLY' : 'PATCH';
    case 'delete': case 'deletecollection': return 'DELETE';
    default: return verb.toUpperCase();
  }
}

/** Something that runs alongside the server (caches, small controllers) and stops with it. */
export interface Runnable { start(): Promise<void> | void; stop(): Promise<void> | void }

/**
 * The guards of the request pipeline, built from flags by apiserver/options.ts once the registry
 * exists (RBAC, admission and token checks all read objects through the loopback client).
 */
export interface Guards {
  authenticators: Authenticator[];
  /** Requests without credentials run as system:anonymous (true) or get 401 (false). */
  anonymous: boolean;
  /** The token authenticators, for TokenReview. */
  tokens?: BearerTokenAuthenticator;
  apiAudiences: string[];
  authorizers: Authorizer[];
  /** Lists a user's rules for SelfSubjectRulesReview (RBAC). */
  rules?: RulesResolver;
  admission: AdmissionChain;
  /** serviceaccounts/token (TokenRequest). */
  tokenRequest?: VirtualHandler;
  /** Started after the registry bootstraps, before the server is ready; stopped first. */
  runnables: Runnable[];
  /** The audit log, when --audit-policy-file and --audit-log-path are given. */
  auditor?: Auditor;
}

export interface APIServerOptions {
  storage: Storage;
  pki: ClusterPKI;
  host?: string;
  port?: number;
  /** Encryption at rest (--encryption-provider-config). */
  transformer?: ValueTransformer;
  /**
   * The address published in the `default/kubernetes` Endpoints and EndpointSlice
   * (--advertise-address). Default: see apiserver/advertise-address.ts.
   */
  advertiseAddress?: string;
  /** Milliseconds between the periodic checks of `default/kubernetes` (default 10 s). */
  endpointReconcileIntervalMs?: number;
  /** Milliseconds between scrapes of the kubelets for metrics.k8s.io (default: SKIFF_METRIC_RESOLUTION, else 10 s). */
  metricResolutionMs?: number;
  /** How many recent spans the built-in collector keeps (default 50,000). */
  maxSpans?: number;
}

/** Before RBAC is configured: client certificates, system:masters may do anything, everyone may read discovery. */
export function defaultGuards(): Guards {
  return { authenticators: [x509Authenticator], anonymous: true, apiAudiences: [], authorizers: [mastersAuthorizer, publicInfoAuthorizer], admission: noAdmission, runnables: [] };
}

export class APIServer {
  readonly registry: ResourceRegistry;
  readonly metrics: APIServerMetrics;
  private server?: Http2SecureServer;
  private guards: Guards = defaultGuards();
  private readonly virtual = new VirtualEndpoints();
  /** How the server's own parts read and write objects (no authn/authz/admission). */
  readonly client: LoopbackClient;
  private ready = false;
  readonly crds: CRDController;
  readonly namespaces: NamespaceFinalizer;
  /** pods/log, exec, attach, portforward and nodes/proxy: through to the kubelet. */
  private readonly kubeletProxy: KubeletProxy;
  /** metrics.k8s.io (`kubectl top`), from the kubelets' stats. */
  readonly metricsServer: MetricsServer;
  /** Keeps `default/kubernetes` pointing at this server (made at start, once the port is known). */
  private kubernetesService?: KubernetesServiceController;
  /** The address the cluster reaches this server at (--advertise-address). */
  readonly advertiseAddress: string;
  /** /debug/skiff/keyspace: storage keys, filtered per key by the authorizers. */
  private readonly keyspace: KeyspaceEndpoint;
  /** The dashboard's static files under /dashboard/ (no data in them: served before authentication). */
  private readonly dashboard = new DashboardFiles();
  url = '';
  /** The built-in collector's recent spans (its own go straight in; components export to /debug/skiff/otlp/v1/traces). */
  readonly spans: SpanStore;
  private readonly tracer = apiserverTracer();
  private readonly removeSpanSink: () => void;

  constructor(private readonly opts: APIServerOptions) {
    this.registry = new ResourceRegistry(opts.storage, opts.transformer);
    this.metrics = new APIServerMetrics(() => this.registry.objectCounts());
    this.client = loopbackClient(this.registry);
    this.crds = new CRDController(this.registry);
    this.namespaces = new NamespaceFinalizer(this.registry);
    this.kubeletProxy = new KubeletProxy(this.client, () => ensureComponentCert(opts.pki, 'apiserver-kubelet-client', 'kube-apiserver-kubelet-client', ['system:masters']));
    this.metricsServer = new MetricsServer({
      client: this.client, resolutionMs: opts.metricResolutionMs,
      credentials: () => ensureComponentCert(opts.pki, 'apiserver-kubelet-client', 'kube-apiserver-kubelet-client', ['system:masters']),
      log: (m) => process.stderr.write(`skiff apiserver: ${m}\n`),
    });
    this.advertiseAddress = resolveAdvertiseAddress(opts.host ?? '127.0.0.1', opts.advertiseAddress);
    this.spans = new SpanStore({ maxSpans: opts.maxSpans });
    this.removeSpanSink = this.tracer.addSink((s) => this.spans.add(s));
    this.keyspace = new KeyspaceEndpoint(opts.storage, async (user, a) => (await decide(this.guards.authorizers, user, {
      isResourceRequest: true, path: '', verb: a.verb, apiPrefix: a.group ? 'apis' : 'api', apiGroup: a.group, apiVersion: '',
      namespace: a.namespace, resource: a.resource, subresource: '', name: a.name, parts: [],
    }, false)).decision === 'Allow');
  }

  /** Install the guards (call before start). */
  setGuards(g: Guards): void {
    this.guards = g;
  }

  private registerVirtual(): void {
    const g = this.guards;
    const decideFn = (u: any, ri: any) => decide(g.authorizers, u, ri);
    this.virtual.register('authentication.k8s.io', 'tokenreviews', '', tokenReviewHandler(g.tokens ?? null, g.apiAudiences));
    this.virtual.register('authentication.k8s.io', 'selfsubjectreviews', '', selfSubjectReviewHandler());
    this.virtual.register('authorization.k8s.io', 'subjectaccessreviews', '', subjectAccessReviewHandler(decideFn));
    this.virtual.register('authorization.k8s.io', 'localsubjectaccessreviews', '', localSubjectAccessReviewHandler(decideFn));
    this.virtual.register('authorization.k8s.io', 'selfsubjectaccessreviews', '', selfSubjectAccessReviewHandler(decideFn));
    this.virtual.register('authorization.k8s.io', 'selfsubjectrulesreviews', '', selfSubjectRulesReviewHandler(g.rules ?? null));
    if (g.tokenRequest) this.virtual.register('', 'serviceaccounts', 'token', g.tokenRequest);
    this.virtual.register('', 'pods', 'binding', podBindingHandler(this.registry));
    this.virtual.register('', 'bindings', '', podBindingHandler(this.registry, true));
  }

  async start(): Promise<void> {
    this.registerVirtual();
    const { pki } = this.opts;
    this.server = createSecureServer({
      // The chain includes the CA so a joining node can check it against a pinned hash (--ca-cert-hash).
      allowHTTP1: true, cert: pki.server.certPem + pki.ca.certPem, key: pki.server.keyPem, ca: pki.ca.certPem,
      requestCert: true, rejectUnauthorized: false, settings: { maxConcurrentStreams: MAX_STREAMS, initialWindowSize: UPLOAD_BUFFER_PER_STREAM },
      maxHeaderListPairs: 256, maxSessionMemory: 64,
    }, (req, res) => { void this.handle(req, res); });
    // kube-apiserver's receive windows (secure_serving.go): 256 KiB per stream and that times the
    // streams per connection. Node's 64 KiB per connection made a component with many writes in
    // flight on its one connection (simulated nodes: Lease renewals and pod status) wait a round
    // trip per 64 KiB of request bodies.
    this.server.on('session', (s) => { try { s.setLocalWindowSize(UPLOAD_BUFFER_PER_STREAM * MAX_STREAMS); } catch { /* closed already */ } });
    this.server.on('sessionError', () => { /* a client went away mid-frame: nothing to do */ });
    // exec/attach/port-forward arrive as HTTP/1.1 upgrades (SPDY or WebSocket), not as requests.
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => { void this.handleUpgrade(req, socket, head); });
    this.server.setTimeout(0);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port ?? 6443, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    // Bound to every address, the server is reached (and its certificate names it) at the advertise address.
    const host = isUnspecified(addr.address) ? this.advertiseAddress : addr.address;
    this.url = `https://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
    await this.registry.bootstrap();
    this.kubernetesService = new KubernetesServiceController(this.registry, this.client, {
      advertiseAddress: this.advertiseAddress, securePort: addr.port, intervalMs: this.opts.endpointReconcileIntervalMs,
    });
    await this.kubernetesService.start();
    await this.crds.start();
    await this.namespaces.start();
    for (const r of this.guards.runnables) await r.start();
    this.metricsServer.start();
    this.ready = true;
  }

  get port(): number { return (this.server!.address() as AddressInfo).port; }

  async stop(): Promise<void> {
    this.ready = false;
    for (const r of [...this.guards.runnables].reverse()) { try { await r.stop(); } catch { /* stopping anyway */ } }
    await this.kubernetesService?.stop();
    await this.metricsServer.stop();
    this.crds.stop();
    this.namespaces.stop();
    this.kubeletProxy.close();
    this.removeSpanSink();
    this.registry.stop();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      // Long-running watches hold sessions open; close them so shutdown does not wait 30 minutes.
      for (const s of (this.server as any)._sessions ?? []) s.destroy?.();
      setTimeout(resolve, 2000).unref();
    });
  }

  private async handle(req: Req, res: Res): Promise<void> {
    const started = process.hrtime.bigint();
    const url = parseURL(req.url ?? '/');
    if (isDashboardPath(url.pathname)) return this.dashboard.serve(url.pathname, req as any, res as any).catch((e) => writeError(res, e));
    const ri = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    let code = 200;
    const g = this.guards;
    let rec: AuditContext | undefined;
    const trace = startRequestTrace(this.tracer, ri, req.headers);
    try {
      let authenticated;
      const authnSpan = trace?.child('authentication');
      try {
        authenticated = await authenticate(g.authenticators, req, g.anonymous);
        authnSpan?.end();
      } catch (e) {
        authnSpan?.end();
        if (g.auditor && e instanceof StatusError && e.code === 401) {
          const hasCert = !!(req as any).socket?.getPeerCertificate?.()?.subject;
          res.setHeader(AUDIT_ID_HEADER, g.auditor.failedAuthentication({ ...ri, user: undefined }, requestMetaOf(req), authenticationFailedMessage(req as any, hasCert)));
        }
        throw e;
      }
      if (g.auditor) {
        rec = g.auditor.begin({ ...ri, user: authenticated }, requestMetaOf(req, ri.verb === 'watch'));
        res.setHeader(AUDIT_ID_HEADER, rec.auditID);
      }
      const imp = await impersonate(req, authenticated, async (u, a) => (await decide(g.authorizers, u, a, false)).decision === 'Allow');
      const user = imp.user;
      if (imp.requested) rec?.setImpersonatedUser(user);
      if (trace?.recording) trace.span.setAttribute('user', user.name);
      const authzSpan = trace?.child('authorization');
      // The keyspace authorizes each key it returns (list/get on the key's resource), not its path.
      const verdict = this.keyspace.handles(ri) ? { decision: 'Allow', reason: 'keys filtered per resource by the authorizers' } : await decide(g.authorizers, user, ri, rec !== undefined && rec.enabled);
      authzSpan?.setAttribute('decision', verdict.decision);
      authzSpan?.end();
      rec?.annotateAuthorization(verdict.decision === 'Allow', verdict.reason);
      if (verdict.decision !== 'Allow') throw forbiddenError(user, ri, verdict.reason);
      const virtual = ri.isResourceRequest ? this.virtual.find(ri) : undefined;
      if (this.kubeletProxy.handles(ri)) {
        await this.kubeletProxy.serve(ri, url.searchParams, req, res);
      } else if (this.metricsServer.handles(ri)) {
        await this.metricsServer.serve(ri, url.searchParams, req, res);
      } else if (this.keyspace.handles(ri)) {
        await this.keyspace.serve(url.searchParams, req, res, user);
      } else if (virtual) {
        await this.virtual.serve(virtual, ri, url.searchParams, req, res, user);
      } else if (ri.isResourceRequest) {
        const deps = this.registry.depsFor(ri.apiGroup, ri.apiVersion, ri.resource);
        if (!deps) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
        if (deps.store.info.virtual) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        await serveResource({ ...deps, admission: g.admission, audit: rec, trace, onWatch: (d) => this.metrics.longRunning.add({ verb: 'WATCH', group: ri.apiGroup, version: ri.apiVersion, resource: ri.resource, subresource: '', scope: ri.namespace ? 'namespace' : 'cluster', component: 'apiserver' }, d) }, ri, url.searchParams, req, res, user);
      } else {
        await this.serveNonResource(url, req, res);
      }
      code = res.statusCode;
      rec?.end(code);
    } catch (e) {
      writeError(res, e);
      code = e instanceof StatusError ? e.code : 500;
      if (rec) {
        if (e instanceof StatusError) rec.end(code, e.toStatus()); else rec.panic(e);
      }
    } finally {
      if (trace?.recording) { trace.span.setAttribute('code', code); trace.span.end(); }
      if (ri.verb !== 'watch') {
        const secs = Number(process.hrtime.bigint() - started) / 1e9;
        const labels = { verb: metricVerb(ri.verb, req), group: ri.apiGroup, version: ri.apiVersion, resource: ri.resource, subresource: ri.subresource, scope: ri.namespace ? 'namespace' : ri.name ? 'resource' : 'cluster', component: 'apiserver' };
        this.metrics.duration.observe(labels, secs);
        this.metrics.requests.inc({ ...labels, code: String(code) });
      }
    }
  }

  /** An upgrade request: authenticate and authorize as any request, then hand the socket to the kubelet proxy. */
  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = parseURL(req.url ?? '/');
    const ri = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    // Streams into a pod need `create` even over a WebSocket GET (upstream's AuthorizePodWebsocketUpgradeCreatePermission).
    if (ri.resource === 'pods' && ['exec', 'attach', 'portforward'].includes(ri.subresource)) ri.verb = 'create';
    try {
      const g = this.guards;
      const authenticated = await authenticate(g.authenticators, req, g.anonymous);
      const imp = await impersonate(req, authenticated, async (u, a) => (await decide(g.authorizers, u, a, false)).decision === 'Allow');
      const verdict = await decide(g.authorizers, imp.user, ri, false);
      if (verdict.decision !== 'Allow') throw forbiddenError(imp.user, ri, verdict.reason);
      if (!this.kubeletProxy.handles(ri)) throw new StatusError(400, 'BadRequest', 'the server does not support upgrades on this resource');
      await this.kubeletProxy.serveUpgrade(ri, url.searchParams, req, socket, head);
    } catch (e) {
      const se = e instanceof StatusError ? e : new StatusError(500, 'InternalError', (e as Error).message);
      writeUpgradeError(socket, se.code, JSON.stringify(se.toStatus()), 'application/json');
    }
  }

  private async serveNonResource(url: URL, req: Req, res: Res): Promise<void> {
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const resources = allResources();
    const accept = req.headers['accept'] as string | undefined;
    if (p === '/healthz' || p === '/livez' || p === '/readyz' || p.startsWith('/healthz/') || p.startsWith('/livez/') || p.startsWith('/readyz/')) {
      const ok = p.startsWith('/readyz') ? this.ready : true;
      const body = url.searchParams.has('verbose') ? `[+]ping ok\n[+]etcd ok\n[${ok ? '+' : '-'}]informer-sync ${ok ? 'ok' : 'failed'}\n${p.slice(1).split('/')[0]} check ${ok ? 'passed' : 'failed'}\n` : ok ? 'ok' : 'not ready';
      (res as any).writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      (res as any).end(body);
      return;
    }
    if (p === '/version') return writeJSON(res, 200, KUBERNETES_VERSION);
    if (p === '/metrics') {
      (res as any).writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      (res as any).end(await this.metrics.render());
      return;
    }
    if (p === '/api' || p === '/apis') {
      const agg = wantsAggregated(accept);
      if (agg) return writeJSONText(res, 200, JSON.stringify(aggregatedDiscovery(resources, p === '/api', agg)), undefined, `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`);
      return writeJSON(res, 200, p === '/api' ? apiVersions(`${(req.headers[':authority'] ?? req.headers.host ?? '127.0.0.1:6443')}`) : apiGroupList(resources));
    }
    const segs = p.split('/').filter(Boolean);
    if (segs[0] === 'api' && segs.length === 2) {
      const l = apiResourceList(resources, '', segs[1]);
      if (l) return writeJSON(res, 200, l);
    }
    if (segs[0] === 'apis' && segs.length === 2) {
      const g = apiGroup(resources, segs[1]);
      if (g) return writeJSON(res, 200, g);
    }
    if (segs[0] === 'apis' && segs.length === 3) {
      const l = apiResourceList(resources, segs[1], segs[2]);
      if (l) return writeJSON(res, 200, l);
    }
    if (segs[0] === 'openapi') return serveOpenAPI(segs.slice(1), url, req, res);
    if (isTracingPath(p)) return serveTracing(this.spans, p, req, res);
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
}
