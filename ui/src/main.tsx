import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, onUnauthenticated, type Me } from './api';
import { AdminPage } from './pages/admin';
import { JobPage } from './pages/job';
import { JobsPage } from './pages/jobs';
import { LaddersRoute } from './pages/ladders';
import { LoginPage } from './pages/login';
import { NodesPage } from './pages/nodes';
import { SubmitPage } from './pages/submit';
import { SystemPage } from './pages/system';
import './styles.css';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Nav({ me, onLogout, path }: { me: Me; onLogout: () => void; path: string }) {
  const links: [string, string][] = [
    ['#/jobs', 'Jobs'],
    ...(me.role === 'admin' || me.role === 'operator' ? ([['#/submit', 'Submit']] as [string, string][]) : []),
    ['#/ladders', 'Ladders'],
    ['#/system', 'System'],
    ['#/nodes', 'Nodes'],
    ...(me.role === 'admin' ? ([['#/admin', 'Users & tokens']] as [string, string][]) : []),
  ];
  return (
    <header class="topbar">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <span class="brand">MpegFlow</span>
      <nav aria-label="Main">
        <ul>
          {links.map(([href, text]) => (
            <li key={href}>
              <a href={href} aria-current={path.startsWith(href.slice(1)) ? 'page' : undefined}>
                {text}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <span class="who">
        {me.name} <span class="role">({me.role})</span>
      </span>
      <button type="button" class="secondary" onClick={onLogout}>
        Log out
      </button>
    </header>
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const hash = useHash();
  const path = hash.replace(/^#/, '') || '/jobs';
  useEffect(() => {
    api<Me>('/whoami', { quiet401: true }).then(setMe, () => setMe(null));
    return onUnauthenticated(() => setMe(null));
  }, []);
  useEffect(() => {
    const title = path.split('/')[1] ?? 'jobs';
    document.title = `${title.charAt(0).toUpperCase()}${title.slice(1)} · MpegFlow`;
  }, [path]);
  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) return <LoginPage onLogin={setMe} />;
  const logout = async () => {
    try {
      await api('/session', { method: 'DELETE', quiet401: true });
    } finally {
      setMe(null);
      location.hash = '#/jobs';
    }
  };
  const job = /^\/jobs\/([A-Za-z0-9_-]+)$/.exec(path);
  let page;
  if (job?.[1]) page = <JobPage id={job[1]} me={me} />;
  else if (path.startsWith('/submit')) page = <SubmitPage me={me} />;
  else if (path.startsWith('/ladders')) page = <LaddersRoute path={path} me={me} />;
  else if (path.startsWith('/system')) page = <SystemPage me={me} />;
  else if (path.startsWith('/nodes')) page = <NodesPage me={me} />;
  else if (path.startsWith('/admin')) page = <AdminPage me={me} />;
  else page = <JobsPage me={me} />;
  return (
    <>
      <Nav me={me} onLogout={logout} path={path} />
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
