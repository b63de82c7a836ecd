/**
 * @module kubelet/server/proxy-rules
 * `GET /debug/skiff/proxy-rules?namespace=NS&name=SVC` on the kubelet API: the node's live packet
 * filter rules for one Service, read in the node's own network namespace (where the kubelet runs).
 * The API server reaches it as `nodes/NAME/proxy/debug/skiff/proxy-rules`, so RBAC on nodes/proxy
 * decides who may see a node's rules, as for every other kubelet path.
 */
import type { ServerResponse } from 'node:http';
import { StatusError } from '../../machinery/status.js';

export const PROXY_RULES_PATH = '/debug/skiff/proxy-rules';

/** Reads the rules (wired by the agent from proxy/programmed-rules; absent: this node cannot tell). */
export type ProxyRulesReader = (namespace: string, name: string) => Promise<{ mode?: string; rules: string; errors: { mode: string; message: string }[] }>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export async function serveProxyRules(q: URLSearchParams, nodeName: string, read: ProxyRulesReader | undefined, res: ServerResponse): Promise<void> {
  const namespace = q.get('namespace') ?? '';
  const name = q.get('name') ?? '';
  // Both go into a rule search, not a shell, but only real object names are worth a search.
  if (!DNS_LABEL.test(namespace) || !DNS_LABEL.test(name)) throw new StatusError(400, 'BadRequest', 'namespace and name must be DNS labels');
  if (!read) throw new StatusError(404, 'NotFound', 'this node does not report proxy rules');
  const r = await read(namespace, name);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  res.end(JSON.stringify({ node: nodeName, namespace, name, mode: r.mode ?? null, rules: r.rules, errors: r.errors }));
}
