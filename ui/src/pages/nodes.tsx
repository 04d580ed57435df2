// The cluster's nodes: state, live or lost, roles, pools, images, running tasks, heartbeat age;
// Drain and Resume for the roles that may (operator, admin — the API refuses the others anyway).
import { useEffect, useState } from 'preact/hooks';
import { api, may, type ClusterNode, type Me, type NodeList } from '../api';
import { Loaded, Section, StateBadge, TableHead } from '../components/bits';
import { useLoad } from '../components/use-load';
import { shortHash, time } from '../format';

/** How long ago the node last beat, by this browser's clock (the live/lost badge is the appliance's own verdict). */
function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

function Liveness({ node }: { node: ClusterNode }) {
  if (node.state === 'stopped') return <span class="muted">—</span>;
  return node.live ? <span class="badge node-live">live</span> : <span class="badge node-lost">lost</span>;
}

export function NodesPage({ me }: { me: Me }) {
  // Refreshed every 5 s (a node beats every 5 s): background requests, which do not keep an idle session alive.
  const nodes = useLoad(() => api<NodeList>('/nodes', { background: true }), []);
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    const t = setInterval(() => {
      nodes.reload();
      setNow(Date.now());
    }, 5000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => setNow(Date.now()), [nodes.data]);
  const command = async (node: ClusterNode, what: 'drain' | 'resume') => {
    setBusy(node.id);
    setMessage(null);
    try {
      const after = await api<ClusterNode>(`/nodes/${encodeURIComponent(node.id)}/${what}`, { method: 'POST' });
      setMessage({
        ok: true,
        text:
          what === 'drain'
            ? `Node ${after.id} is draining: it finishes what it runs and leases nothing new`
            : `Node ${after.id} is running: it leases tasks again`,
      });
      nodes.reload();
    } catch (err) {
      setMessage({ ok: false, text: `${what === 'drain' ? 'Drain' : 'Resume'} of ${node.id} failed: ${(err as Error).message}` });
    } finally {
      setBusy(null);
    }
  };
  const canWrite = may.write(me.role);
  return (
    <>
      <h1>Nodes</h1>
      <Section title="Cluster nodes">
        {message && (
          <div class={message.ok ? 'notice' : 'error-box'} role={message.ok ? 'status' : 'alert'}>
            {message.text}
          </div>
        )}
        <Loaded load={nodes} what="nodes" isEmpty={(d) => d.items.length === 0} empty="No node has joined yet.">
          {(d) => (
            <table class="compact">
              <TableHead
                columns={['node', 'state', 'live', 'roles', 'pools', 'images', 'running tasks', 'heartbeat', 'version', ...(canWrite ? ['actions'] : [])]}
              />
              <tbody>
                {d.items.map((n) => (
                  <tr key={n.id} data-node={n.id} data-state={n.state}>
                    <td>
                      <span class="mono">{n.id}</span>
                      <div class="small muted">
                        {n.host} · started {time(n.startedAt)}
                      </div>
                    </td>
                    <td>
                      <StateBadge state={n.state} />
                      {n.stoppedAt && <div class="small muted">{time(n.stoppedAt)}</div>}
                    </td>
                    <td>
                      <Liveness node={n} />
                    </td>
                    <td>{n.roles.join(', ') || '—'}</td>
                    <td class="small">{n.pools.length === 0 ? '—' : n.pools.map((p) => `${p.name} ×${p.slots}`).join(', ')}</td>
                    <td>
                      {n.images.length === 0
                        ? '—'
                        : n.images.map((id) => (
                            <span key={id} class="chip mono small" title={id}>
                              {shortHash(id)}
                            </span>
                          ))}
                    </td>
                    <td>
                      {n.load.running.length === 0 ? (
                        <span class="muted">none</span>
                      ) : (
                        <ul class="plain small">
                          {n.load.running.map((t) => (
                            <li key={t.taskId}>
                              {t.kind} of <a href={`#/jobs/${t.jobId}`}>{t.jobId}</a>
                            </li>
                          ))}
                        </ul>
                      )}
                      <div class="small muted">load {n.load.loadAverage.toFixed(2)}</div>
                    </td>
                    <td title={time(n.heartbeatAt)}>{ago(n.heartbeatAt, now)}</td>
                    <td>{n.version}</td>
                    {canWrite && (
                      <td>
                        <div class="buttons">
                          {n.state === 'running' && (
                            <button
                              type="button"
                              class="secondary"
                              disabled={busy !== null}
                              onClick={() => void command(n, 'drain')}
                              aria-label={`Drain ${n.id}`}
                            >
                              Drain
                            </button>
                          )}
                          {n.state === 'draining' && (
                            <button type="button" disabled={busy !== null} onClick={() => void command(n, 'resume')} aria-label={`Resume ${n.id}`}>
                              Resume
                            </button>
                          )}
                        </div>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </Section>
    </>
  );
}
