import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { OperationsClient } from './api/client';
import { completeSignIn, currentToken, signIn, signOut } from './api/cognito';
import { loadConfig, loadLocalIdentities, type ConsoleConfig, type LocalIdentity } from './api/config';
import { ErrorState, Loading } from './components/states';
import { ApprovalsPage } from './pages/approvals';
import { ExceptionsPage } from './pages/exceptions';
import { ExecutionsPage } from './pages/executions';
import { KpisPage } from './pages/kpis';
import { RejectedEventsPage } from './pages/rejected-events';
import { SessionContext } from './session';

const PAGES = [
  { path: 'executions', label: 'Executions', Page: ExecutionsPage },
  { path: 'approvals', label: 'Approvals', Page: ApprovalsPage },
  { path: 'exceptions', label: 'Exceptions', Page: ExceptionsPage },
  { path: 'rejected-events', label: 'Rejected events', Page: RejectedEventsPage },
  { path: 'kpis', label: 'KPIs', Page: KpisPage },
] as const;

const IDENTITY_KEY = 'psflow.console.identity';

function usePage(): string {
  const read = () => window.location.hash.replace(/^#\/?/, '') || 'executions';
  const [page, setPage] = useState(read);
  useEffect(() => {
    const changed = () => setPage(read());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return page;
}

/** The console: who acts (identity picker locally, Cognito in AWS), the navigation and the current page. */
export function App() {
  const [config, setConfig] = useState<{ value?: ConsoleConfig; error?: unknown }>({});
  useEffect(() => {
    loadConfig().then(
      (value) => setConfig({ value }),
      (error: unknown) => setConfig({ error }),
    );
  }, []);
  if (config.error)
    return (
      <Shell>
        <ErrorState error={config.error} onRetry={() => window.location.reload()} />
      </Shell>
    );
  if (!config.value)
    return (
      <Shell>
        <Loading what="the console's settings" />
      </Shell>
    );
  return config.value.mode === 'local' ? <LocalConsole /> : <CognitoConsole config={config.value} />;
}

function LocalConsole() {
  const [identities, setIdentities] = useState<{ value?: LocalIdentity[]; error?: unknown }>({});
  const [userId, setUserId] = useState(() => localStorage.getItem(IDENTITY_KEY) ?? '');
  useEffect(() => {
    loadLocalIdentities().then(
      (value) => setIdentities({ value }),
      (error: unknown) => setIdentities({ error }),
    );
  }, []);
  const client = useMemo(() => new OperationsClient(() => ({ 'x-psflow-user': userId })), [userId]);
  const choose = (value: string) => {
    localStorage.setItem(IDENTITY_KEY, value);
    setUserId(value);
  };
  const picker = identities.value ? (
    <label className="identity">
      Acting as
      <select value={userId} onChange={(event) => choose(event.target.value)}>
        <option value="">Choose a person</option>
        {identities.value.map((identity) => (
          <option key={identity.userId} value={identity.userId}>
            {identity.name}: {identity.title}
          </option>
        ))}
      </select>
    </label>
  ) : null;
  if (identities.error)
    return (
      <Shell>
        <ErrorState error={identities.error} onRetry={() => window.location.reload()} />
      </Shell>
    );
  if (!identities.value)
    return (
      <Shell>
        <Loading what="the directory" />
      </Shell>
    );
  if (!userId || !identities.value.some((identity) => identity.userId === userId))
    return (
      <Shell identity={picker}>
        <section aria-labelledby="pick-title">
          <h1 id="pick-title">Who are you?</h1>
          <p>
            The local cloud trusts the identity you pick (in AWS, Cognito decides). Pick a person from the directory
            above.
          </p>
        </section>
      </Shell>
    );
  return <Pages client={client} userId={userId} identity={picker} />;
}

function CognitoConsole({ config }: { config: Extract<ConsoleConfig, { mode: 'cognito' }> }) {
  const [state, setState] = useState<{ token?: string; userId?: string; error?: unknown; checked: boolean }>({
    checked: false,
  });
  useEffect(() => {
    completeSignIn(config)
      .then(async () => {
        const token = currentToken();
        if (!token) return setState({ checked: true });
        const me = await new OperationsClient(() => ({ authorization: `Bearer ${token}` })).me();
        setState({ token, userId: me.userId, checked: true });
      })
      .catch((error: unknown) => setState({ error, checked: true }));
  }, [config]);
  const client = useMemo(
    () => new OperationsClient(() => ({ authorization: `Bearer ${state.token ?? ''}` })),
    [state.token],
  );
  if (state.error)
    return (
      <Shell>
        <ErrorState error={state.error} onRetry={() => void signIn(config)} />
      </Shell>
    );
  if (!state.checked)
    return (
      <Shell>
        <Loading what="your session" />
      </Shell>
    );
  if (!state.token || !state.userId)
    return (
      <Shell>
        <section aria-labelledby="sign-in-title">
          <h1 id="sign-in-title">Sign in</h1>
          <p>Operators sign in with the stage's user pool.</p>
          <button type="button" className="primary" onClick={() => void signIn(config)}>
            Sign in
          </button>
        </section>
      </Shell>
    );
  const identity = (
    <span className="identity">
      Signed in as {state.userId}{' '}
      <button type="button" onClick={() => signOut(config)}>
        Sign out
      </button>
    </span>
  );
  return <Pages client={client} userId={state.userId} identity={identity} />;
}

function Pages({ client, userId, identity }: { client: OperationsClient; userId: string; identity: ReactNode }) {
  const page = usePage();
  const current = PAGES.find((candidate) => candidate.path === page) ?? PAGES[0];
  const session = useMemo(() => ({ client, userId }), [client, userId]);
  useEffect(() => {
    document.title = `${current.label} · psflow console`;
  }, [current]);
  return (
    <SessionContext.Provider value={session}>
      <Shell identity={identity} page={current.path}>
        <current.Page key={`${current.path}-${userId}`} />
      </Shell>
    </SessionContext.Provider>
  );
}

function Shell({ children, identity, page }: { children: ReactNode; identity?: ReactNode; page?: string }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">psflow operations</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((candidate) => (
              <li key={candidate.path}>
                <a href={`#/${candidate.path}`} aria-current={candidate.path === page ? 'page' : undefined}>
                  {candidate.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {identity}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
