import { useEffect } from 'preact/hooks';
import {
  api,
  ApiError,
  may,
  type Delivery,
  type DeliveryList,
  type EncoderList,
  type HostStatus,
  type Me,
  type PoolList,
  type WatchFolderList,
  type Webhook,
  type WebhookList,
} from '../api';

type WatchFolder = WatchFolderList['items'][number];
import { Empty, ErrorBox, Loaded, Loading, ProgressBar, Section, StateBadge, TableHead } from '../components/bits';
import { useLoad } from '../components/use-load';
import { bytes, shortHash, time } from '../format';

/** Watch folders come from the ingest feature; an appliance without it answers 404: no folders. */
async function loadWatchFolders(): Promise<WatchFolder[]> {
  try {
    return (await api<WatchFolderList>('/watch-folders')).items;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return [];
    throw err;
  }
}

async function loadWebhooks(): Promise<{ hook: Webhook; deliveries: Delivery[] }[]> {
  const hooks = (await api<WebhookList>('/webhooks')).items;
  return Promise.all(hooks.map(async (hook) => ({ hook, deliveries: (await api<DeliveryList>(`/webhooks/${hook.id}/deliveries?limit=10`)).items })));
}

function Meter({ label, used, total }: { label: string; used: number; total: number }) {
  return (
    <div class="meter">
      <div class="meter-head">
        <span>{label}</span>
        <span class="muted small">
          {bytes(used)} of {bytes(total)}
        </span>
      </div>
      <ProgressBar value={total ? used / total : 0} label={`${label} used`} />
    </div>
  );
}

export function SystemPage({ me }: { me: Me }) {
  // Refreshed every 5 s below: background requests, which do not keep an idle session alive.
  const pools = useLoad(() => api<PoolList>('/pools', { background: true }), []);
  const host = useLoad(() => api<HostStatus>('/system/host', { background: true }), []);
  const encoders = useLoad(() => api<EncoderList>('/encoders'), []);
  const folders = useLoad(loadWatchFolders, []);
  const hooks = useLoad(() => (may.audit(me.role) ? loadWebhooks() : Promise.resolve(null)), [me.role]);
  useEffect(() => {
    const t = setInterval(() => {
      pools.reload();
      host.reload();
    }, 5000);
    return () => clearInterval(t);
  }, []);
  return (
    <>
      <h1>System</h1>
      <div class="grid-2">
        <Section title="Host">
          {host.error !== undefined && !host.data ? (
            <ErrorBox error={host.error} retry={host.reload} />
          ) : !host.data ? (
            <Loading what="host status" />
          ) : (
            <>
              <div class="meter">
                <div class="meter-head">
                  <span>CPU ({host.data.cpu.cores} cores)</span>
                  <span class="muted small">load average {host.data.cpu.loadAverage.join(' · ')}</span>
                </div>
                <ProgressBar value={host.data.cpu.loadPercent / 100} label="CPU load" />
              </div>
              <Meter label="Memory" used={host.data.memory.usedBytes} total={host.data.memory.totalBytes} />
              {host.data.disk.totalBytes !== null ? (
                <Meter
                  label={`Disk of ${host.data.disk.path} (${host.data.disk.mount})`}
                  used={host.data.disk.usedBytes ?? 0}
                  total={host.data.disk.totalBytes}
                />
              ) : (
                <p class="muted">The data dir's file system could not be read.</p>
              )}
            </>
          )}
        </Section>
        <Section title="Pools">
          {pools.error !== undefined && !pools.data ? (
            <ErrorBox error={pools.error} retry={pools.reload} />
          ) : !pools.data ? (
            <Loading what="pools" />
          ) : pools.data.items.length === 0 ? (
            <Empty>No pools are running.</Empty>
          ) : (
            <table class="compact">
              <TableHead columns={['pool', 'cores', 'slots', 'running', 'queued', 'load', 'memory limit']} />
              <tbody>
                {pools.data.items.map((p) => (
                  <tr key={p.name}>
                    <td>{p.name}</td>
                    <td>{p.cores.join(', ')}</td>
                    <td>{p.slots}</td>
                    <td>{p.running}</td>
                    <td>{p.queued}</td>
                    <td class="w-small">
                      <ProgressBar small value={p.slots ? p.running / p.slots : 0} label={`${p.name} pool slots in use`} />
                    </td>
                    <td>{bytes(p.memoryLimitBytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      </div>
      <Section title="Encoder images">
        <Loaded
          load={encoders}
          what="encoder images"
          isEmpty={(d) => d.items.length === 0}
          empty="No encoder image is registered: import one with mpegflow images import DIR."
        >
          {(d) => (
            <table class="compact">
              <TableHead columns={['image', 'state', 'source', 'files', 'verified', 'id']} />
              <tbody>
                {d.items.map((e) => (
                  <tr key={e.id}>
                    <td>
                      {e.name} {e.version} {e.default && <span class="chip">default</span>}
                    </td>
                    <td>
                      <span class={`badge ${e.state === 'verified' ? 'state-completed' : 'state-failed'}`}>{e.state}</span>
                    </td>
                    <td>{e.source}</td>
                    <td>
                      {e.files} ({bytes(e.bytes)})
                    </td>
                    <td>{time(e.verifiedAt)}</td>
                    <td class="mono small" title={e.id}>
                      {shortHash(e.id, 16)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </Section>
      <Section title="Watch folders">
        <Loaded load={folders} what="watch folders" isEmpty={(d) => d.length === 0} empty="No watch folders configured (config file key watchFolders).">
          {(d) =>
            d.map((f) => (
              <div key={f.path} class="folder">
                <h3 class="mono">{f.path}</h3>
                <p class="small muted">
                  ladder {f.ladder} · {f.packaging.join(', ')}
                </p>
                {f.recent.length === 0 ? (
                  <Empty>No files seen yet.</Empty>
                ) : (
                  <table class="compact">
                    <TableHead columns={['file', 'state', 'job', 'at']} />
                    <tbody>
                      {f.recent.map((r) => (
                        <tr key={`${r.name}-${r.at}`}>
                          <td>{r.name}</td>
                          <td>
                            <StateBadge state={r.state} />{' '}
                            {r.error && (
                              <span class="err-text small" title={r.error.message}>
                                {r.error.code}
                              </span>
                            )}
                          </td>
                          <td>{r.jobId ? <a href={`#/jobs/${r.jobId}`}>{r.jobId}</a> : '—'}</td>
                          <td>{time(r.at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </div>
            ))
          }
        </Loaded>
      </Section>
      <Section title="Webhook deliveries">
        {!may.audit(me.role) ? (
          <Empty>Webhooks are shown to admins and auditors.</Empty>
        ) : hooks.error !== undefined ? (
          <ErrorBox error={hooks.error} retry={hooks.reload} />
        ) : !hooks.data ? (
          <Loading what="webhooks" />
        ) : hooks.data.length === 0 ? (
          <Empty>No webhooks registered.</Empty>
        ) : (
          hooks.data.map(({ hook, deliveries }) => (
            <div key={hook.id} class="folder">
              <h3 class="mono">{hook.url}</h3>
              <p class="small muted">
                {hook.events.join(', ')} · {hook.source}
                {hook.disabledAt ? ` · disabled ${time(hook.disabledAt)}` : ''}
              </p>
              {deliveries.length === 0 ? (
                <Empty>No deliveries yet.</Empty>
              ) : (
                <table class="compact">
                  <TableHead columns={['event', 'job', 'status', 'attempts', 'response', 'last attempt']} />
                  <tbody>
                    {deliveries.map((d) => (
                      <tr key={d.id}>
                        <td>{d.eventType}</td>
                        <td>{d.jobId ? <a href={`#/jobs/${d.jobId}`}>{d.jobId}</a> : '—'}</td>
                        <td>
                          <span class={`badge delivery-${d.status}`}>{d.status}</span>
                        </td>
                        <td>{d.attempt}</td>
                        <td>{d.responseCode ?? d.error ?? '—'}</td>
                        <td>{time(d.lastAttemptAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          ))
        )}
      </Section>
    </>
  );
}
