/**
 * The web console served at /console: an operator view over the admin API and a tenant view over
 * Zuora's public API. Preact (components and hooks, 4 KB) with JSX compiled by esbuild.
 */
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { sessionStore, type TenantSession } from './api.js';
import { OperatorView } from './operator/view.js';
import { ClientSignIn, OperatorSignIn } from './sign-in.js';
import './styles.css';
import { TenantView } from './tenant/view.js';

type View = 'operator' | 'tenant';

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
