import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { admin, signInWithClient, type TenantSession } from './api.js';
import { ErrorBox } from './components.js';
import { TextInput } from './forms.js';
import { useAction } from './hooks.js';

/** A sign-in form: what it asks for, and the server's answer when `signIn` fails. */
function SignInCard({
  id,
  title,
  hint,
  button,
  signIn,
  children,
}: {
  id: string;
  title: string;
  hint: ComponentChildren;
  button: string;
  signIn: () => Promise<unknown>;
  children: ComponentChildren;
}) {
  const action = useAction();
  return (
    <form
      class="card"
      onSubmit={(event) => {
        event.preventDefault();
        void action.run('', signIn);
      }}
      aria-labelledby={id}
    >
      <h2 id={id}>{title}</h2>
      <p class="hint">{hint}</p>
      {children}
      <button type="submit" disabled={action.busy}>
        {button}
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}

export function OperatorSignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <SignInCard
      id="operator-sign-in"
      title="Operator"
      hint={
        <>
          The operator token: <code>MULTIENTITY_OPERATOR_TOKEN</code>, or the one <code>npm start</code>{' '}
          printed (kept in <code>data/operator-token.json</code>).
        </>
      }
      button="Sign in as operator"
      signIn={async () => {
        // Checked against the admin API before it is kept.
        await admin(token, 'GET', '/tenants');
        onSignedIn(token);
      }}
    >
      <label for="operator-token">Operator token</label>
      <TextInput
        id="operator-token"
        type="password"
        autoComplete="off"
        required
        value={token}
        onValue={setToken}
      />
    </SignInCard>
  );
}

export function ClientSignIn({ onSignedIn }: { onSignedIn: (session: TenantSession) => void }) {
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  return (
    <SignInCard
      id="client-sign-in"
      title="Tenant user"
      hint={
        <>
          An OAuth client's id and secret (the demo tenant's are printed by <code>npm start</code>). The
          console asks <code>/oauth/token</code> for a token and keeps only the token, for this tab.
        </>
      }
      button="Sign in with client"
      signIn={async () => {
        onSignedIn(await signInWithClient(clientId.trim(), secret));
        setSecret('');
      }}
    >
      <label for="client-id">Client id</label>
      <TextInput id="client-id" autoComplete="off" required value={clientId} onValue={setClientId} />
      <label for="client-secret">Client secret</label>
      <TextInput
        id="client-secret"
        type="password"
        autoComplete="off"
        required
        value={secret}
        onValue={setSecret}
      />
    </SignInCard>
  );
}
