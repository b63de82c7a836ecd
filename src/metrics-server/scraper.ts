/**
 * @module metrics-server/scraper
 * metrics-server's scraper (pkg/scraper): every resolution, ask every node's kubelet for its
 * resource usage, in parallel, each with a deadline, and hand the round's batches to storage. It
 * reads `/stats/summary?only_cpu_and_memory=true` (what metrics-server read before it moved to
 * `/metrics/resource`; skiff's kubelet serves the summary) with the API server's kubelet-client
 * certificate, at the address and port the Node reports, as the logs/exec proxy does.
 *
 * A Node without a kubelet endpoint port (skiff's simulated nodes publish port 0) has no kubelet
 * API to ask: it is skipped instead of dialled at a made-up address.
 */
import { request as httpsRequest } from 'node:https';
import { kubeletURLOf } from '../apiserver/proxy/location.js';
import { decodeSummary } from './decode.js';
import type { MetricsBatch } from './types.js';

/** Client certificate and key for kubelets (the apiserver-kubelet-client identity). */
export interface KubeletTLS { cert: string; key: string }

/** The kubelet's port from a Node, or 0 when it publishes none. */
export function kubeletPortOf(node: any): number {
  const p = Number(node?.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0);
  return Number.isInteger(p) && p > 0 && p < 65536 ? p : 0;
}

/** GET a kubelet's summary and decode it. Rejects on a connection error, a non-200 answer or the deadline. */
export function scrapeNode(node: any, tls: KubeletTLS, timeoutMs: number): Promise<MetricsBatch> {
  const url = new URL(`${kubeletURLOf(node)}/stats/summary?only_cpu_and_memory=true`);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      method: 'GET', host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: url.pathname + url.search,
      headers: { Accept: 'application/json' }, cert: tls.cert, key: tls.key,
      // As upstream's default (and the logs/exec proxy here), kubelets' serving certificates are not verified.
      rejectUnauthorized: false, timeout: timeoutMs,
      // A fresh connection per scrape: nothing lingers between rounds or after the server stops.
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`request failed, status: "${res.statusCode}", body: ${body.slice(0, 200)}`));
        try { resolve(decodeSummary(JSON.parse(body))); } catch (e) { reject(new Error(`decoding the summary: ${(e as Error).message}`)); }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** One scrape round over the given nodes: the batches that came back, and the errors by node. */
export async function scrapeNodes(nodes: any[], tls: KubeletTLS, timeoutMs: number): Promise<{ batches: MetricsBatch[]; errors: Map<string, Error> }> {
  const batches: MetricsBatch[] = [];
  const errors = new Map<string, Error>();
  await Promise.all(nodes.filter((n) => kubeletPortOf(n) > 0).map(async (n) => {
    try {
      const b = await scrapeNode(n, tls, timeoutMs);
      // The kubelet speaks for its own node only, whatever name its summary carries.
      if (b.node) b.node.name = n.metadata.name;
      batches.push(b);
    } catch (e) {
      errors.set(n.metadata.name, e as Error);
    }
  }));
  return { batches, errors };
}
