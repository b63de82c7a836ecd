/**
 * The dashboard's shell: sign-in (a bearer token, or none behind `skiff dashboard`), the signed-in
 * identity, the namespace in view, and the tabs. Every kind is listed once and watched from there.
 */
import { useEffect, useMemo, useState } from 'react';
import { authMode, getToken, postJSON, setToken, tokenNamespace } from './api';
import { KINDS } from './resources';
import { useResourceStore } from './hooks';
import { SignIn } from './views/SignIn';
import { ClusterView } from './views/ClusterView';
import { ServicesView } from './views/ServicesView';
import { EventsView } from './views/EventsView';
import { KeyspaceView } from './views/KeyspaceView';
import { PodDetail } from './views/PodDetail';
import { ServiceDetail } from './views/ServiceDetail';

type Tab = 'cluster' | 'services' | 'events' | 'keyspace';
export type Selection = { kind: 'pod' | 'service'; key: string } | null;

export function App() {
  const [signedIn, setSignedIn] = useState(authMode === 'proxy' || !!getToken());
  if (!signedIn) return <SignIn onSignIn={(t) => { setToken(t); setSignedIn(true); }} />;
  return <Dashboard onSignOut={() => { setToken(null); setSignedIn(false); }} />;
}

function tabFromHash(): Tab {
  const h = location.hash.replace(/^#\/?/, '');
  return (['cluster', 'services', 'events', 'keyspace'] as Tab[]).includes(h as Tab) ? (h as Tab) : 'cluster';
}

function Dashboard({ onSignOut }: { onSignOut: () => void }) {
  const [tab, setTab] = useState<Tab>(tabFromHash);
  const [namespace, setNamespace] = useState('');
  const [selection, setSelection] = useState<Selection>(null);
  const [user, setUser] = useState<string>('');
  useEffect(() => {
    const f = () => setTab(tabFromHash());
    window.addEventListener('hashchange', f);
    return () => window.removeEventListener('hashchange', f);
  }, []);
  useEffect(() => {
    postJSON('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' })
      .then((r) => setUser(r?.status?.userInfo?.username ?? ''), (e) => { if (e.code === 401) onSignOut(); });
  }, [onSignOut]);

  const pods = useResourceStore(KINDS.pods, namespace);
  const nodes = useResourceStore(KINDS.nodes, '');
  const services = useResourceStore(KINDS.services, namespace);
  const slices = useResourceStore(KINDS.endpointslices, namespace);
  const events = useResourceStore(KINDS.events, namespace, 1000);

  // Not allowed to list pods everywhere: look in the token's own namespace instead.
  const fallback = useMemo(() => tokenNamespace(), []);
  const [narrowed, setNarrowed] = useState(false);
  useEffect(() => {
    if (!namespace && pods.error?.code === 403 && fallback) { setNamespace(fallback); setNarrowed(true); }
  }, [namespace, pods.error, fallback]);

  const stores = { pods, nodes, services, slices, events };
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand"><span className="logo">⎈</span> skiff</div>
        <nav className="tabs">
          {(['cluster', 'services', 'events', 'keyspace'] as Tab[]).map((t) => (
            <a key={t} href={`#/${t}`} className={t === tab ? 'tab active' : 'tab'} data-tab={t}>{t[0]!.toUpperCase() + t.slice(1)}</a>
          ))}
        </nav>
        <div className="spacer" />
        <label className="ns">
          namespace
          <input list="namespaces" value={namespace} placeholder="all namespaces" onChange={(e) => setNamespace(e.target.value.trim())} data-testid="namespace" />
        </label>
        <div className="identity" data-testid="identity" title={authMode === 'proxy' ? 'through skiff dashboard (kubeconfig identity)' : 'bearer token'}>
          {user || '…'} <span className="muted">{authMode === 'proxy' ? 'kubeconfig' : 'token'}</span>
        </div>
        {authMode === 'token' && <button className="link" onClick={onSignOut}>sign out</button>}
      </header>
      {narrowed && namespace === fallback && (
        <div className="banner">This identity may not list pods in all namespaces: showing namespace <b>{namespace}</b>.</div>
      )}
      <main className={selection ? 'main with-detail' : 'main'}>
        <section className="view">
          {tab === 'cluster' && <ClusterView {...stores} namespace={namespace} onSelect={setSelection} selection={selection} />}
          {tab === 'services' && <ServicesView {...stores} onSelect={setSelection} selection={selection} />}
          {tab === 'events' && <EventsView events={events} />}
          {tab === 'keyspace' && <KeyspaceView namespace={namespace} />}
        </section>
        {selection?.kind === 'pod' && <PodDetail podKey={selection.key} {...stores} onClose={() => setSelection(null)} />}
        {selection?.kind === 'service' && <ServiceDetail serviceKey={selection.key} {...stores} onClose={() => setSelection(null)} />}
      </main>
    </div>
  );
}
