/**
 * The storage keyspace as the seed draws it (`/registry/pods/default/web-1`), read-only, from
 * `GET /debug/skiff/keyspace`: only keys of resources and namespaces this identity may list.
 */
import { useEffect, useState } from 'react';
import { getJSON, type ApiError } from '../api';

export function KeyspaceView({ namespace }: { namespace: string }) {
  const [prefix, setPrefix] = useState('/registry/');
  const [input, setInput] = useState('/registry/');
  const [page, setPage] = useState<{ keys: any[]; revision: number; continue?: string } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [value, setValue] = useState<any>(null);
  useEffect(() => {
    const ac = new AbortController();
    setError(null);
    getJSON(`/debug/skiff/keyspace?prefix=${encodeURIComponent(prefix)}&limit=1000`, ac.signal).then(setPage, (e) => { if (!ac.signal.aborted) { setError(e); setPage(null); } });
    return () => ac.abort();
  }, [prefix]);
  const open = (key: string) => getJSON(`/debug/skiff/keyspace?key=${encodeURIComponent(key)}`).then(setValue, (e) => setValue({ key, error: e.message }));
  const keys = (page?.keys ?? []).filter((k) => !namespace || !k.namespace || k.namespace === namespace);
  return (
    <div className="keyspace">
      <div className="section-title">
        <h2>Storage keyspace</h2>
        <form onSubmit={(e) => { e.preventDefault(); setPrefix(input.endsWith('/') ? input : input + '/'); }}>
          <input className="mono prefix" value={input} onChange={(e) => setInput(e.target.value)} data-testid="keyspace-prefix" />
          <button type="submit">list</button>
        </form>
        {page && <span className="muted">{keys.length} keys at revision {page.revision}{page.continue ? ' (more…)' : ''}</span>}
      </div>
      {error && <div className="note error">{error.message}</div>}
      <div className="keyspace-split">
        <ul className="keys" data-testid="keys">
          {keys.map((k) => (
            <li key={k.key} className={value?.key === k.key ? 'selected' : ''} onClick={() => open(k.key)} data-key={k.key}>
              <span className="mono">{k.key}</span> <span className="muted small">rev {k.modRevision} · {k.size} B</span>
            </li>
          ))}
        </ul>
        {value && (
          <div className="key-value">
            <div className="mono"><b>{value.key}</b></div>
            {value.error ? <p className="note error">{value.error}</p> : <>
              <div className="muted small">createRevision {value.createRevision} · modRevision {value.modRevision} · {value.encoding}</div>
              <pre>{value.encoding === 'json' ? JSON.stringify(JSON.parse(value.value), null, 2) : value.value}</pre>
            </>}
          </div>
        )}
      </div>
    </div>
  );
}
