/**
 * @module apiserver/admission/webhook/caller
 * POST an AdmissionReview to a webhook over HTTPS, trusting only the configuration's caBundle,
 * within its timeoutSeconds. A `service` reference goes through a resolver the server supplies
 * (service -> address); `url` must be https.
 */
import { request, Agent } from 'node:https';

export type ServiceResolver = (namespace: string, name: string, port: number) => Promise<{ host: string; port: number }>;

/** Refuses service references until the server can reach Services (kube-proxy, issue 6). */
export const noServiceResolver: ServiceResolver = async (ns, name) => {
  throw new Error(`service "${name}.${ns}.svc" is not reachable from the API server (use clientConfig.url)`);
};

const agents = new Map<string, Agent>();
function agentFor(caBundle: string | undefined): Agent {
  const key = caBundle ?? '';
  let a = agents.get(key);
  if (!a) {
    const ca = caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : undefined;
    a = new Agent({ keepAlive: true, maxSockets: 64, ...(ca ? { ca } : {}) });
    agents.set(key, a);
  }
  return a;
}

/** The URL Kubernetes prints in call failures (`Post "https://..."`). */
export async function webhookURL(cc: any, resolve: ServiceResolver): Promise<{ url: URL; servername?: string }> {
  if (cc?.url) {
    const url = new URL(cc.url);
    if (url.protocol !== 'https:') throw new Error(`webhook URL must use https, got ${url.protocol}`);
    return { url };
  }
  if (cc?.service) {
    const s = cc.service;
    const addr = await resolve(s.namespace, s.name, s.port ?? 443);
    const url = new URL(`https://${addr.host}:${addr.port}${s.path ?? '/'}`);
    return { url, servername: `${s.name}.${s.namespace}.svc` };
  }
  throw new Error('webhook has neither url nor service');
}

export function postReview(url: URL, servername: string | undefined, caBundle: string | undefined, body: unknown, timeoutMs: number): Promise<any> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ protocol: 'https:', hostname: url.hostname, port: url.port || 443, path: url.pathname + url.search, method: 'POST',
      agent: agentFor(caBundle), ...(servername ? { servername } : {}),
      headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) return reject(new Error(`the server responded with the status code ${res.statusCode}: ${text.slice(0, 200)}`));
        try { resolve(JSON.parse(text)); } catch { reject(new Error(`the response could not be decoded: ${text.slice(0, 200)}`)); }
      });
    });
    const timer = setTimeout(() => req.destroy(new Error('context deadline exceeded')), timeoutMs);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end(data);
  });
}
