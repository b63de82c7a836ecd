/** Sign in with a bearer token (e.g. `kubectl create token SA`); RBAC then decides what shows. */
import { useState } from 'react';
import { ApiError, postJSON, setToken } from '../api';

export function SignIn({ onSignIn }: { onSignIn: (token: string) => void }) {
  const [token, setTok] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) return;
    setToken(t);
    try {
      // Anyone authenticated may ask who they are: a token nobody accepts gets 401 here.
      await postJSON('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      onSignIn(t);
    } catch (err) {
      setToken(null);
      setError(err instanceof ApiError && err.code === 401 ? 'The API server does not accept this token.' : (err as Error).message);
    }
  };
  return (
    <div className="signin">
      <form onSubmit={submit}>
        <h1><span className="logo">⎈</span> skiff dashboard</h1>
        <p className="muted">Sign in with a bearer token, for example <code>kubectl create token NAME -n NAMESPACE</code>. You will see what that identity may see under RBAC. For a kubeconfig identity (client certificate), run <code>skiff dashboard --kubeconfig FILE</code> instead.</p>
        <textarea value={token} onChange={(e) => setTok(e.target.value)} placeholder="eyJhbGciOi…" rows={5} data-testid="token" />
        {error && <div className="note error">{error}</div>}
        <button type="submit" data-testid="signin">Sign in</button>
      </form>
    </div>
  );
}
