/**
 * @module kubelet/prober/http
 * The httpGet probe (pkg/probe/http): a GET with `kube-probe/<version>` as User-Agent, the probe's
 * headers, no keep-alive, and TLS without verification for HTTPS. 200-399 is success; redirects are
 * followed on the same host only (up to 10), and a redirect elsewhere ends the probe with a
 * Warning, which still counts as success. At most 10 KiB of the body is read.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { dialError, joinHostPort, type ProbeOutcome } from './results.js';

export const PROBE_USER_AGENT = 'kube-probe/1.32';
const MAX_BODY = 10 * 1024;
const MAX_REDIRECTS = 10;

export interface HTTPProbeTarget { scheme: 'HTTP' | 'HTTPS'; host: string; port: number; path: string; headers?: { name: string; value: string }[] }

export function probeURL(t: HTTPProbeTarget): URL {
  const p = t.path ? (t.path.startsWith('/') ? t.path : `/${t.path}`) : '/';
  return new URL(`${t.scheme.toLowerCase()}://${joinHostPort(t.host, t.port)}${p}`);
}

interface Answer { status: number; body: string; location?: string }

function get(url: URL, headers: Record<string, string>, deadline: number): Promise<Answer> {
  const mod = url.protocol === 'https:' ? https : http;
  const hostPort = joinHostPort(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: 'GET', headers, agent: false, rejectUnauthorized: false } as https.RequestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c.subarray(0, MAX_BODY - size));
        size += c.length;
        if (size >= MAX_BODY) res.destroy();
      });
      const finish = () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), location: res.headers.location }); };
      res.on('end', finish);
      res.on('close', finish);
    });
    const timer = setTimeout(() => { req.destroy(); reject(new Error(`Get "${url.href}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)); }, Math.max(1, deadline - Date.now()));
    req.on('error', (e: any) => {
      clearTimeout(timer);
      reject(new Error(`Get "${url.href}": ${e.code === 'ECONNRESET' ? 'EOF' : dialError(hostPort, e)}`));
    });
    req.end();
  });
}

export async function probeHTTP(t: HTTPProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
  for (const h of t.headers ?? []) {
    // A probe header replaces the default of the same name (case-insensitively), as Go's Header.Set does.
    for (const k of Object.keys(headers)) if (k.toLowerCase() === h.name.toLowerCase()) delete headers[k];
    headers[h.name] = h.value;
  }
  const deadline = Date.now() + timeoutMs;
  let url = probeURL(t);
  const first = url.hostname;
  try {
    for (let hops = 0; ; hops++) {
      const a = await get(url, headers, deadline);
      if (a.status >= 300 && a.status < 400 && a.location) {
        const next = new URL(a.location, url);
        if (next.hostname === first && hops < MAX_REDIRECTS) { url = next; continue; }
        if (hops >= MAX_REDIRECTS) return { result: 'Failure', output: `Get "${next.href}": stopped after 10 redirects` };
      }
      if (a.status >= 200 && a.status < 400) {
        if (a.status >= 300) return { result: 'Warning', output: `Probe terminated redirects, Response body: ${a.body}` };
        return { result: 'Success', output: a.body };
      }
      return { result: 'Failure', output: `HTTP probe failed with statuscode: ${a.status}` };
    }
  } catch (e) {
    return { result: 'Failure', output: (e as Error).message };
  }
}
