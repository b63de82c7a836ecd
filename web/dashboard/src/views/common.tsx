/** Small pieces every view uses: status badges, the pod chip, a panel frame, forbidden notes. */
import type { ReactNode } from 'react';
import type { ApiError } from '../api';

export function Badge({ tone, children, title }: { tone: 'ok' | 'warn' | 'bad' | 'idle'; children: ReactNode; title?: string }) {
  return <span className={`badge ${tone}`} title={title}>{children}</span>;
}

export function podReady(p: any): boolean {
  return (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

export function podTone(p: any): 'ok' | 'warn' | 'bad' | 'idle' {
  if (p.metadata?.deletionTimestamp) return 'idle';
  const phase = p.status?.phase;
  if (phase === 'Failed') return 'bad';
  if (phase === 'Running' && podReady(p)) return 'ok';
  if (phase === 'Succeeded') return 'idle';
  return 'warn';
}

export function podPhase(p: any): string {
  if (p.metadata?.deletionTimestamp) return 'Terminating';
  const waiting = (p.status?.containerStatuses ?? []).map((c: any) => c.state?.waiting?.reason).find(Boolean);
  return waiting ?? p.status?.phase ?? 'Pending';
}

export function ownerOf(o: any): string {
  const r = (o.metadata?.ownerReferences ?? []).find((x: any) => x.controller) ?? o.metadata?.ownerReferences?.[0];
  return r ? `${r.kind} ${r.name}` : '';
}

export function Forbidden({ what, error }: { what: string; error?: ApiError }) {
  if (!error) return null;
  return <div className={error.code === 403 ? 'note forbidden' : 'note error'}>{error.code === 403 ? `Not allowed to see ${what}: ` : `${what}: `}{error.message}</div>;
}

export function Panel({ title, onClose, children, testid }: { title: ReactNode; onClose: () => void; children: ReactNode; testid?: string }) {
  return (
    <aside className="detail" data-testid={testid}>
      <div className="detail-head"><h2>{title}</h2><button className="link" onClick={onClose} aria-label="close">✕</button></div>
      <div className="detail-body">{children}</div>
    </aside>
  );
}
