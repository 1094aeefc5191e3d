/**
 * The web console served at /console: an operator view over the admin API and a tenant view over
 * Zuora's public API. Preact (components and hooks, 4 KB) with JSX compiled by esbuild.
 */
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { admin, sessionStore, signInWithClient, type TenantSession } from './api.js';
import { ErrorBox } from './components.js';
import { OperatorView } from './operator-view.js';
import './styles.css';
import { TenantView } from './tenant-view.js';

type View = 'operator' | 'tenant';

function OperatorSignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // Checked against the admin API before it is kept.
      await admin(token, 'GET', '/tenants');
      onSignedIn(token);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="operator-sign-in">
      <h2 id="operator-sign-in">Operator</h2>
      <p class="hint">
        The operator token: <code>MULTIENTITY_OPERATOR_TOKEN</code>, or the one <code>npm start</code> printed
        (kept in <code>data/operator-token.json</code>).
      </p>
      <label for="operator-token">Operator token</label>
      <input
        id="operator-token"
        type="password"
        autoComplete="off"
        required
        value={token}
        onInput={(e) => setToken(e.currentTarget.value)}
      />
      <button type="submit" disabled={busy}>
        Sign in as operator
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function ClientSignIn({ onSignedIn }: { onSignedIn: (session: TenantSession) => void }) {
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signInWithClient(clientId.trim(), secret));
      setSecret('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="client-sign-in">
      <h2 id="client-sign-in">Tenant user</h2>
      <p class="hint">
        An OAuth client's id and secret (the demo tenant's are printed by <code>npm start</code>). The console
        asks <code>/oauth/token</code> for a token and keeps only the token, for this tab.
      </p>
      <label for="client-id">Client id</label>
      <input
        id="client-id"
        autoComplete="off"
        required
        value={clientId}
        onInput={(e) => setClientId(e.currentTarget.value)}
      />
      <label for="client-secret">Client secret</label>
      <input
        id="client-secret"
        type="password"
        autoComplete="off"
        required
        value={secret}
        onInput={(e) => setSecret(e.currentTarget.value)}
      />
      <button type="submit" disabled={busy}>
        Sign in with client
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function App() {
  const [operatorToken, setOperatorToken] = useState(sessionStore.operatorToken());
  const [tenant, setTenant] = useState(sessionStore.tenant());
  const [view, setView] = useState<View>(operatorToken === null && tenant !== null ? 'tenant' : 'operator');

  const signInOperator = (token: string) => {
    sessionStore.setOperatorToken(token);
    setOperatorToken(token);
    setView('operator');
  };
  const signInTenant = (session: TenantSession) => {
    sessionStore.setTenant(session);
    setTenant(session);
    setView('tenant');
  };
  const signOutOperator = () => {
    sessionStore.setOperatorToken(null);
    setOperatorToken(null);
    if (tenant) setView('tenant');
  };
  const signOutTenant = () => {
    sessionStore.setTenant(null);
    setTenant(null);
    setView('operator');
  };

  const signedOut = operatorToken === null && tenant === null;
  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          multientity
        </a>
        {!signedOut && (
          <nav aria-label="Views">
            <button type="button" aria-pressed={view === 'operator'} onClick={() => setView('operator')}>
              Operator
            </button>
            <button type="button" aria-pressed={view === 'tenant'} onClick={() => setView('tenant')}>
              Tenant
            </button>
          </nav>
        )}
        <div class="who">
          {operatorToken !== null && (
            <button type="button" class="link" onClick={signOutOperator}>
              Sign out operator
            </button>
          )}
          {tenant !== null && (
            <button type="button" class="link" onClick={signOutTenant}>
              Sign out of tenant {tenant.tenantId}
            </button>
          )}
          <a href="/docs">API reference</a>
        </div>
      </header>
      <main id="content">
        {signedOut ? (
          <>
            <h1>Sign in</h1>
            <div class="sign-in">
              <OperatorSignIn onSignedIn={signInOperator} />
              <ClientSignIn onSignedIn={signInTenant} />
            </div>
          </>
        ) : view === 'operator' ? (
          operatorToken === null ? (
            <>
              <h1>Operator</h1>
              <div class="sign-in">
                <OperatorSignIn onSignedIn={signInOperator} />
              </div>
            </>
          ) : (
            <OperatorView token={operatorToken} onOpenTenant={signInTenant} />
          )
        ) : tenant === null ? (
          <>
            <h1>Tenant</h1>
            <p>Sign in with an OAuth client, or pick a tenant and a user in the operator view.</p>
            <div class="sign-in">
              <ClientSignIn onSignedIn={signInTenant} />
            </div>
          </>
        ) : (
          <TenantView session={tenant} operatorToken={operatorToken} onSignOut={signOutTenant} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
