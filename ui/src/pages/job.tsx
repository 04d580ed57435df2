import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, CSRF, errorOf, may, terminalStates, type AuditEvent, type JobDetail, type JobTask, type Me } from '../api';
import { Empty, ErrorBox, Loading, ProgressBar, Section, StateBadge } from '../components/bits';
import { Player } from '../components/player';
import { useLoad } from '../components/use-load';
import { bytes, duration, shellLine, shortHash, time } from '../format';
import { subscribeLive } from '../live';
import { planOf, probeOf, processRuns, rate, type ProcessRun } from './job-audit';

interface Encoder {
  id: string;
  name: string;
  version: string;
  state: string;
  source: string;
  verifiedAt: string | null;
  importedAt: string;
}

async function loadAudit(id: string): Promise<AuditEvent[]> {
  const all: AuditEvent[] = [];
  let after: number | null = null;
  do {
    const page: { items: AuditEvent[]; nextAfter: number | null } = await api(`/jobs/${id}/audit?limit=1000${after !== null ? `&after=${after}` : ''}`);
    all.push(...page.items);
    after = page.nextAfter;
  } while (after !== null);
  return all;
}

function TaskCard({ task, runs }: { task: JobTask; runs: ProcessRun[] }) {
  const last = runs.filter((r) => r.taskId === task.id).at(-1);
  const p = last?.process;
  return (
    <li class={`task state-border-${task.state}`} data-task={task.id}>
      <div class="task-head">
        <strong>{task.kind === 'encode' ? (task.rendition ?? 'ladder (one decode, all rungs)') : task.kind}</strong>
        <StateBadge state={task.state} />
      </div>
      <dl class="kv small">
        <dt>attempts</dt>
        <dd>
          {task.attempt} / {task.maxAttempts}
        </dd>
        <dt>exit</dt>
        <dd>{p ? (p.exitCode ?? (p.signal ? `signal ${p.signal}` : '—')) : '—'}</dd>
        {task.errorCode && (
          <>
            <dt>error</dt>
            <dd class="err-text">
              {task.errorCode}: {task.errorMessage}
            </dd>
          </>
        )}
      </dl>
      {p?.stderrTail && (
        <details>
          <summary>stderr tail</summary>
          <pre class="log">{p.stderrTail}</pre>
        </details>
      )}
    </li>
  );
}

function Dag({ job, runs }: { job: JobDetail; runs: ProcessRun[] }) {
  const stages: [string, JobTask[]][] = [
    ['Probe', job.tasks.filter((t) => t.kind === 'probe')],
    ['Encode', job.tasks.filter((t) => t.kind === 'encode')],
    ['Package', job.tasks.filter((t) => t.kind === 'package')],
  ];
  return (
    <ol class="dag" aria-label="Task graph: probe, then encode, then package">
      {stages.map(([name, tasks], i) => (
        <li key={name} class="dag-stage">
          <h3>
            {i + 1}. {name}
          </h3>
          {tasks.length === 0 ? (
            <p class="muted small">not started</p>
          ) : (
            <ul class="tasks">
              {tasks.map((t) => (
                <TaskCard key={t.id} task={t} runs={runs} />
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}

function MediaInfo({ events }: { events: AuditEvent[] }) {
  const probe = probeOf(events);
  if (!probe) return <Empty>Not probed yet.</Empty>;
  const f = probe.ffprobe.format ?? {};
  return (
    <>
      <dl class="kv">
        <dt>container</dt>
        <dd>{f.format_long_name ?? f.format_name ?? '—'}</dd>
        <dt>duration</dt>
        <dd>{f.duration ? duration(Number(f.duration)) : '—'}</dd>
        <dt>size</dt>
        <dd>{f.size ? bytes(Number(f.size)) : '—'}</dd>
        <dt>bit rate</dt>
        <dd>{f.bit_rate ? `${(Number(f.bit_rate) / 1e6).toFixed(2)} Mb/s` : '—'}</dd>
        <dt>verdict</dt>
        <dd>{probe.verdict.accepted ? 'accepted' : <span class="err-text">rejected: {JSON.stringify(probe.verdict.reasons ?? [])}</span>}</dd>
      </dl>
      <table class="compact">
        <caption class="sr-only">Streams of the input</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">type</th>
            <th scope="col">codec</th>
            <th scope="col">details</th>
          </tr>
        </thead>
        <tbody>
          {(probe.ffprobe.streams ?? []).map((s) => (
            <tr key={s.index}>
              <td>{s.index}</td>
              <td>{s.codec_type}</td>
              <td>
                {s.codec_name}
                {s.profile ? ` (${s.profile})` : ''}
              </td>
              <td>
                {s.codec_type === 'video'
                  ? `${s.width}×${s.height} · ${s.avg_frame_rate ?? s.r_frame_rate} fps · ${s.pix_fmt ?? ''} · ${s.field_order ?? 'progressive'}`
                  : s.codec_type === 'audio'
                    ? `${s.channels} ch ${s.channel_layout ?? ''} · ${s.sample_rate} Hz${s.tags?.language ? ` · ${s.tags.language}` : ''}`
                    : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function LadderPlan({ events }: { events: AuditEvent[] }) {
  const plan = planOf(events);
  if (!plan) return <Empty>No plan yet: the ladder is planned after the probe.</Empty>;
  return (
    <>
      <p class="small">
        {plan.preset} · source {plan.sourceWidth}×{plan.sourceHeight} · {rate(plan.frameRate)} fps · GOP {plan.gopSeconds} s ({plan.gopFrames} frames) · B-frames {plan.bFrames}
        {plan.deinterlace ? ' · deinterlaced' : ''}
      </p>
      <table class="compact">
        <caption class="sr-only">Planned rungs</caption>
        <thead>
          <tr>
            <th scope="col">rung</th>
            <th scope="col">size</th>
            <th scope="col">bit rate</th>
            <th scope="col">max / buffer</th>
            <th scope="col">profile</th>
            <th scope="col">codecs</th>
          </tr>
        </thead>
        <tbody>
          {plan.rungs.map((r) => (
            <tr key={r.name}>
              <td>{r.name}</td>
              <td>
                {r.width}×{r.height}
              </td>
              <td>{r.bitrateKbps} kb/s</td>
              <td>
                {r.maxrateKbps} / {r.bufsizeKbps} kb/s
              </td>
              <td>
                {r.profile} {r.level}
              </td>
              <td class="mono">{r.codecs}</td>
            </tr>
          ))}
          {plan.audio && (
            <tr>
              <td>audio</td>
              <td>
                {plan.audio.channels} ch · {plan.audio.sampleRate} Hz
              </td>
              <td>{plan.audio.bitrateKbps} kb/s</td>
              <td>—</td>
              <td>{plan.audio.codec}</td>
              <td class="mono">mp4a.40.2</td>
            </tr>
          )}
        </tbody>
      </table>
      {plan.notes.length > 0 && (
        <ul class="notes small">
          {plan.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </>
  );
}

function Commands({ runs }: { runs: ProcessRun[] }) {
  if (runs.length === 0) return <Empty>No process has run yet.</Empty>;
  return (
    <ol class="commands">
      {runs.map((r, i) => (
        <li key={`${r.seq}-${i}`}>
          <div class="small muted">
            {r.kind ?? r.type}
            {r.rendition ? ` ${r.rendition}` : ''}
            {r.attempt ? ` · attempt ${r.attempt}` : ''} · exit {r.process.exitCode ?? r.process.signal ?? '—'} · audit #{r.seq}
          </div>
          <pre class="cmd">{shellLine(r.process.argv)}</pre>
        </li>
      ))}
    </ol>
  );
}

function Timeline({ events }: { events: AuditEvent[] }) {
  if (events.length === 0) return <Empty>No audit events.</Empty>;
  return (
    <ol class="timeline">
      {events.map((e) => (
        <li key={e.seq}>
          <details>
            <summary>
              <span class="mono">#{e.seq}</span> <strong>{e.type}</strong> <span class="muted">{time(e.at)}</span> <span class="muted">{e.actor}</span>{' '}
              <span class="mono hash" title={`hash ${e.hash}\nprev ${e.prev_hash}`}>
                {shortHash(e.hash)}
              </span>
            </summary>
            <p class="mono small">hash {e.hash}</p>
            <p class="mono small">prev {e.prev_hash}</p>
            <pre class="log">{JSON.stringify(e.payload, null, 2)}</pre>
          </details>
        </li>
      ))}
    </ol>
  );
}

async function exportBundle(jobId: string): Promise<string> {
  const res = await fetch('/api/v1/audit/exports', { method: 'POST', credentials: 'same-origin', headers: { ...CSRF, 'content-type': 'application/json' }, body: JSON.stringify({ jobId }) });
  if (res.status === 404) {
    const err = await errorOf(res);
    if (err.code === 'NOT_FOUND') throw new ApiError(404, 'EXPORT_UNAVAILABLE', 'audit bundle export is not available on this appliance (POST /api/v1/audit/exports answered 404)');
    throw err;
  }
  if (!res.ok) throw await errorOf(res);
  const name = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `audit-${jobId}.tar`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

function Actions({ job, me, onDone }: { job: JobDetail; me: Me; onDone: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (what: string, fn: () => Promise<string | void>) => {
    setBusy(true);
    setMessage(null);
    try {
      const text = await fn();
      setMessage({ ok: true, text: text ?? `${what}: done` });
      onDone();
    } catch (err) {
      setMessage({ ok: false, text: `${what} failed: ${(err as Error).message}` });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  const active = !terminalStates.includes(job.state);
  return (
    <div class="actions">
      {may.write(me.role) && active && !confirming && (
        <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(true)}>
          Cancel job
        </button>
      )}
      {confirming && (
        <span class="confirm" role="group" aria-label="Confirm cancel">
          Kill its processes and delete its intermediates?
          <button type="button" class="danger" disabled={busy} onClick={() => run('Cancel', () => api(`/jobs/${job.id}/cancel`, { method: 'POST' }).then(() => 'Job cancelled'))} autofocus>
            Yes, cancel job
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            Keep running
          </button>
        </span>
      )}
      {may.write(me.role) && (job.state === 'failed' || job.state === 'partial') && (
        <button type="button" disabled={busy} onClick={() => run('Retry', () => api(`/jobs/${job.id}/retry`, { method: 'POST' }).then(() => 'Failed tasks queued again'))}>
          Retry failed tasks
        </button>
      )}
      {may.audit(me.role) && (
        <button type="button" class="secondary" disabled={busy} onClick={() => run('Export', async () => `Downloaded ${await exportBundle(job.id)}`)}>
          Export audit bundle
        </button>
      )}
      {message && (
        <span class={message.ok ? 'ok-text' : 'error-box'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </span>
      )}
    </div>
  );
}

export function JobPage({ id, me }: { id: string; me: Me }) {
  const detail = useLoad(() => api<JobDetail>(`/jobs/${id}`), [id]);
  const audit = useLoad(() => loadAudit(id), [id]);
  const encoders = useLoad(() => api<{ items: Encoder[] }>('/encoders'), []);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(
    () =>
      subscribeLive(
        (e) => {
          if (!('jobId' in e) || e.jobId !== id || timer.current) return;
          timer.current = setTimeout(
            () => {
              timer.current = undefined;
              detail.reload();
              if (e.type !== 'task.progress') audit.reload();
            },
            e.type === 'task.progress' ? 700 : 150,
          );
        },
        () => undefined,
        id,
      ),
    [id],
  );
  if (detail.error) {
    return (
      <>
        <h1>Job {id}</h1>
        <ErrorBox error={detail.error} retry={detail.reload} />
        <p>
          <a href="#/jobs">Back to jobs</a>
        </p>
      </>
    );
  }
  const job = detail.data;
  if (!job) return <Loading what={`job ${id}`} />;
  const events = audit.data ?? [];
  const runs = processRuns(events);
  const encoder = encoders.data?.items.find((x) => x.id === job.encoder);
  return (
    <>
      <div class="page-head">
        <h1>
          Job <span class="mono">{job.id}</span>
        </h1>
        <StateBadge state={job.state} />
        <div class="grow">
          <ProgressBar value={job.progress} label={`Progress of job ${job.id}`} />
        </div>
      </div>
      <Actions job={job} me={me} onDone={() => (detail.reload(), audit.reload())} />
      {job.error && (
        <p class="error-box" role="alert">
          <strong>{job.error.code}</strong> {job.error.message}
        </p>
      )}
      <div class="grid-2">
        <Section title="Job">
          <dl class="kv">
            <dt>input</dt>
            <dd>
              {job.input.key} ({bytes(job.input.size)})
            </dd>
            <dt>input sha256</dt>
            <dd class="mono small">{job.input.sha256 ?? '—'}</dd>
            <dt>ladder</dt>
            <dd>{job.ladder}</dd>
            <dt>packaging</dt>
            <dd>{job.packaging.join(', ')}</dd>
            <dt>partial ladder</dt>
            <dd>{job.policy.partialLadder}</dd>
            <dt>submitted</dt>
            <dd>
              {time(job.createdAt)} by {job.submittedBy}
            </dd>
            <dt>renditions</dt>
            <dd>
              {job.renditions.length === 0
                ? '—'
                : job.renditions.map((r) => (
                    <span key={r.name} class="chip" title={r.sha256 ?? ''}>
                      {r.name}: {r.state}
                    </span>
                  ))}
              {job.missingRenditions.length > 0 && <span class="err-text"> missing: {job.missingRenditions.join(', ')}</span>}
            </dd>
          </dl>
        </Section>
        <Section title="Encoder image">
          {encoder ? (
            <dl class="kv">
              <dt>name</dt>
              <dd>
                {encoder.name} {encoder.version}
              </dd>
              <dt>state</dt>
              <dd>
                <span class={`badge ${encoder.state === 'verified' ? 'state-completed' : 'state-failed'}`}>{encoder.state}</span> {encoder.verifiedAt ? `at ${time(encoder.verifiedAt)}` : ''}
              </dd>
              <dt>source</dt>
              <dd>{encoder.source}</dd>
              <dt>id (manifest sha256)</dt>
              <dd class="mono small">{encoder.id}</dd>
            </dl>
          ) : encoders.error ? (
            <ErrorBox error={encoders.error} retry={encoders.reload} />
          ) : (
            <p class="mono small">{job.encoder} (not in the catalog any more)</p>
          )}
        </Section>
      </div>
      <Section title="Tasks">
        <Dag job={job} runs={runs} />
      </Section>
      {job.outputs && (
        <Section title="Preview">
          <Player jobId={job.id} outputs={job.outputs} />
        </Section>
      )}
      {audit.error !== undefined && <ErrorBox error={audit.error} retry={audit.reload} />}
      <div class="grid-2">
        <Section title="Input (MediaInfo)">
          <MediaInfo events={events} />
        </Section>
        <Section title="Ladder plan">
          <LadderPlan events={events} />
        </Section>
      </div>
      <Section title="FFmpeg commands">
        <Commands runs={runs} />
      </Section>
      <Section title="Audit timeline">
        <Timeline events={events} />
      </Section>
    </>
  );
}
