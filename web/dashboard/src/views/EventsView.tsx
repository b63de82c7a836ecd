/** Events, streaming (events.k8s.io/v1, watched): newest first. */
import { useMemo } from 'react';
import type { StoreState } from '../resources';
import { eventTime } from '../resources';
import { age, useNow } from '../hooks';
import { Badge, Forbidden } from './common';

export function EventsView({ events }: { events: StoreState }) {
  const now = useNow(1000);
  const list = useMemo(() => [...events.items.values()].sort((a, b) => eventTime(b) - eventTime(a)).slice(0, 300), [events]);
  return (
    <div>
      <div className="section-title"><h2>Events</h2><span className="muted">{events.items.size} events, streaming</span></div>
      <Forbidden what="events" error={events.error} />
      <table className="table" data-testid="events">
        <thead><tr><th>Age</th><th>Type</th><th>Reason</th><th>Object</th><th>Message</th><th>From</th></tr></thead>
        <tbody>{list.map((e) => {
          const r = e.regarding ?? e.involvedObject ?? {};
          const t = eventTime(e);
          return (
            <tr key={`${e.metadata.namespace}/${e.metadata.name}`}>
              <td className="muted">{t ? age(new Date(t).toISOString(), now) : ''}</td>
              <td><Badge tone={e.type === 'Warning' ? 'warn' : 'idle'}>{e.type}</Badge></td>
              <td><b>{e.reason}</b></td>
              <td className="mono small">{r.kind}/{r.namespace ? `${r.namespace}/` : ''}{r.name}</td>
              <td>{e.note ?? e.message}</td>
              <td className="muted small">{e.reportingController ?? e.deprecatedSource?.component ?? ''}</td>
            </tr>
          );
        })}</tbody>
      </table>
    </div>
  );
}
