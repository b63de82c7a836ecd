/**
 * One Service: its endpoints, the DNS names that resolve to it, and the kube-proxy rules each node
 * programmed for it (read from each kubelet through the API server's nodes/NAME/proxy, so RBAC on
 * nodes/proxy decides who sees them; simulated nodes run no kube-proxy and have none).
 */
import { useEffect, useState } from 'react';
import { getJSON, type ApiError } from '../api';
import type { StoreState } from '../resources';
import { serviceDNSNames } from '../../../../src/dashboard/model/dns';
import { Badge, Panel } from './common';
import { endpointsOf, slicesByService } from './ServicesView';
import { isSimulated } from './ClusterView';
import { TraceSection } from './TraceTimeline';

interface Props { serviceKey: string; services: StoreState; slices: StoreState; nodes: StoreState; onClose: () => void }

export function ServiceDetail({ serviceKey, services, slices, nodes, onClose }: Props) {
  const svc = services.items.get(serviceKey);
  const svcSlices = slicesByService(slices).get(serviceKey) ?? [];
  if (!svc) return <Panel title={serviceKey} onClose={onClose}><p className="muted">This Service is gone.</p></Panel>;
  const eps = endpointsOf(svcSlices);
  return (
    <Panel title={<>Service <span className="mono">{serviceKey}</span></>} onClose={onClose} testid="service-detail">
      <h3>Endpoints</h3>
      {eps.length === 0 ? <p className="muted">No endpoints{svc.spec?.type === 'ExternalName' ? ' (ExternalName: resolved by DNS only)' : ''}.</p> : (
        <table className="table compact" data-testid="service-endpoints">
          <thead><tr><th>Address</th><th>Pod</th><th>Node</th><th>Ready</th></tr></thead>
          <tbody>{eps.map((e) => <tr key={e.address + e.pod}><td className="mono">{e.address}</td><td>{e.pod ?? e.hostname ?? ''}</td><td>{e.node ?? ''}</td><td><Badge tone={e.ready ? 'ok' : 'warn'}>{e.ready ? 'ready' : 'not ready'}</Badge></td></tr>)}</tbody>
        </table>
      )}
      <h3>DNS names</h3>
      <table className="table compact" data-testid="service-dns">
        <tbody>{serviceDNSNames(svc, svcSlices).map((n) => <tr key={n.name + n.type}><td className="mono nowrap">{n.name}</td><td>{n.type}</td><td className="mono muted">{n.points}</td></tr>)}</tbody>
      </table>
      <h3>kube-proxy rules per node</h3>
      {svc.spec?.type === 'ExternalName' ? <p className="muted">ExternalName Services have no proxy rules.</p> :
        [...nodes.items.values()].map((n) => <NodeRules key={n.metadata.name} node={n} svc={svc} />)}
      {nodes.error && <p className="muted">Nodes are not visible to you, so neither are their rules.</p>}
      <TraceSection obj={svc} />
    </Panel>
  );
}

function NodeRules({ node, svc }: { node: any; svc: any }) {
  const [state, setState] = useState<{ rules?: any; error?: ApiError; loading: boolean }>({ loading: true });
  const name = node.metadata.name;
  const simulated = isSimulated(node);
  useEffect(() => {
    if (simulated) return;
    const ac = new AbortController();
    const q = `namespace=${encodeURIComponent(svc.metadata.namespace)}&name=${encodeURIComponent(svc.metadata.name)}`;
    getJSON(`/api/v1/nodes/${encodeURIComponent(name)}/proxy/debug/skiff/proxy-rules?${q}`, ac.signal)
      .then((rules) => setState({ rules, loading: false }), (error) => { if (!ac.signal.aborted) setState({ error, loading: false }); });
    return () => ac.abort();
  }, [name, simulated, svc.metadata.namespace, svc.metadata.name, svc.metadata.resourceVersion]);
  return (
    <div className="node-rules" data-node-rules={name}>
      <div><b>{name}</b> {state.rules?.mode && <span className="tag">{state.rules.mode}</span>}</div>
      {simulated ? <p className="muted small">Simulated node: no kube-proxy runs there, so no rules are programmed.</p>
        : state.loading ? <p className="muted small">reading the node's rules…</p>
        : state.error ? <p className="muted small">{state.error.code === 403 ? 'Not allowed to read this node (nodes/proxy).' : `Could not read rules: ${state.error.message}`}</p>
        : state.rules?.rules ? <pre className="rules">{state.rules.rules}</pre>
        : <p className="muted small">No rules for this Service on this node{state.rules?.errors?.length ? ` (${state.rules.errors.map((e: any) => `${e.mode}: ${e.message}`).join('; ')})` : ''}.</p>}
    </div>
  );
}
