/**
 * One pod: where it runs and why there (the scheduler's decision per node: which filter rejected
 * it, each score), the trace of its latest change, and its events.
 */
import { useMemo } from 'react';
import type { StoreState } from '../resources';
import { eventTime } from '../resources';
import { schedulingDecision } from '../../../../src/dashboard/model/scheduling';
import { Badge, Panel, ownerOf, podPhase, podReady, podTone } from './common';
import { TraceSection, useTrace } from './TraceTimeline';

interface Props { podKey: string; pods: StoreState; events: StoreState; onClose: () => void }

export function PodDetail({ podKey, pods, events, onClose }: Props) {
  const pod = pods.items.get(podKey);
  const trace = useTrace(pod);
  const podEvents = useMemo(() => [...events.items.values()]
    .filter((e) => (e.regarding ?? e.involvedObject)?.kind === 'Pod' && `${(e.regarding ?? e.involvedObject).namespace}/${(e.regarding ?? e.involvedObject).name}` === podKey)
    .sort((a, b) => eventTime(a) - eventTime(b)), [events, podKey]);
  if (!pod) return <Panel title={podKey} onClose={onClose} testid="pod-detail"><p className="muted">This pod is gone.</p></Panel>;
  const decision = schedulingDecision(pod, trace.spans ?? [], podEvents);
  return (
    <Panel title={<>Pod <span className="mono">{podKey}</span></>} onClose={onClose} testid="pod-detail">
      <div className="kv">
        <span>Phase</span><span><Badge tone={podTone(pod)}>{podPhase(pod)}</Badge> {podReady(pod) ? 'ready' : 'not ready'}</span>
        <span>Node</span><span>{pod.spec?.nodeName ?? <i>not scheduled</i>}</span>
        <span>Pod IP</span><span className="mono">{pod.status?.podIP ?? ''}</span>
        <span>Owner</span><span>{ownerOf(pod)}</span>
        <span>Containers</span><span className="mono small">{(pod.spec?.containers ?? []).map((c: any) => `${c.name}: ${c.image}`).join(', ')}</span>
      </div>
      <h3>Scheduler's decision</h3>
      <div data-testid="scheduling" data-source={decision.source}>
        {decision.source === 'trace' ? (
          <table className="table compact">
            <thead><tr><th>Node</th><th>Filter</th><th>Scores</th><th title="the weighted sum of the plugins' scores; the highest wins">Total</th></tr></thead>
            <tbody>{decision.nodes.map((n) => (
              <tr key={n.node} className={n.chosen ? 'chosen' : ''} data-decision-node={n.node} data-total={n.total ?? ''}>
                <td className="nowrap">{n.node} {n.chosen && <Badge tone="ok">chosen</Badge>}</td>
                <td className="nowrap">{n.rejected ? <span className="bad-text">✗ {n.rejected.plugin}: {n.rejected.reason}</span> : <span className="ok-text">✓ passed</span>}</td>
                <td className="small">{n.scores.map((s) => <span key={s.plugin} className="score">{s.plugin} <b>{s.score}</b></span>)}</td>
                <td className="mono">{n.total ?? ''}</td>
              </tr>))}
            </tbody>
          </table>
        ) : <p className="muted small">{trace.traceId ? 'The trace has no scheduling span' : 'No trace for this pod'}; from its events:</p>}
        {decision.messages.map((m, i) => <div key={i} className={m.type === 'Warning' ? 'event warning' : 'event'}><b>{m.reason}</b> {m.message}</div>)}
        {decision.source === 'none' && <p className="muted small">No Scheduled or FailedScheduling events seen.</p>}
      </div>
      <TraceSection obj={pod} trace={trace} />
      <h3>Events</h3>
      {podEvents.length === 0 ? <p className="muted small">none</p> : podEvents.map((e) => (
        <div key={e.metadata.uid ?? e.metadata.name} className={e.type === 'Warning' ? 'event warning' : 'event'}><b>{e.reason}</b> {e.note ?? e.message} <span className="muted small">{e.reportingController ?? e.source?.component}</span></div>
      ))}
    </Panel>
  );
}
