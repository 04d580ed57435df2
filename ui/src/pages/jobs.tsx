import { useEffect, useRef, useState } from 'preact/hooks';
import { api, jobStates, isTerminal, type JobDetail, type JobList, type JobSummary, type Me } from '../api';
import { Empty, ErrorBox, Loading, ProgressBar, StateBadge } from '../components/bits';
import { duration, time } from '../format';
import { subscribeLive, type LiveEvent, type LiveStatus } from '../live';

const PAGE = 25;

interface Filters {
  state: string;
  q: string;
  from: string;
  to: string;
}

/** What the live events say about a running job: speed, and per-rung fractions. */
interface LiveInfo {
  fps: number | null;
  speed: number | null;
  /** fraction of the ladder task (rendition null) and of single-rung retries */
  rung: Record<string, number>;
  ladder: number | null;
  /** recent (time, progress) samples, for the ETA */
  samples?: { t: number; p: number }[];
}

function query(f: Filters, cursor: string | undefined): string {
  const p = new URLSearchParams({ limit: String(PAGE) });
  if (f.state) p.set('state', f.state);
  if (f.q.trim()) p.set('q', f.q.trim());
  if (f.from) p.set('from', new Date(`${f.from}T00:00:00`).toISOString());
  if (f.to) p.set('to', new Date(new Date(`${f.to}T00:00:00`).getTime() + 86_400_000).toISOString());
  if (cursor) p.set('cursor', cursor);
  return p.toString();
}

/** Seconds left at the rate of the last ~20 s of progress (a whole-job average lags behind load changes). */
export function eta(info: LiveInfo | undefined, progress: number, now: number): number | null {
  const samples = info?.samples ?? [];
  const first = samples[0];
  if (!first || progress >= 1) return null;
  const dp = progress - first.p;
  if (dp <= 0.005 || now - first.t < 2000) return null;
  return ((now - first.t) / 1000) * ((1 - progress) / dp);
}

const ETA_WINDOW_MS = 20_000;

export function rungFraction(job: JobDetail, name: string, info: LiveInfo | undefined): number {
  const r = job.renditions.find((x) => x.name === name);
  if (r?.state === 'succeeded') return 1;
  return info?.rung[name] ?? info?.ladder ?? 0;
}

export function JobsPage({ me }: { me: Me }) {
  const [filters, setFilters] = useState<Filters>({ state: '', q: '', from: '', to: '' });
  const [draft, setDraft] = useState<Filters>(filters);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ items: JobSummary[]; nextCursor: string | null } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [details, setDetails] = useState<Record<string, JobDetail>>({});
  const [live, setLive] = useState<Record<string, LiveInfo>>({});
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [n, setN] = useState(0);
  const [now, setNow] = useState(Date.now());
  const cursor = cursors[cursors.length - 1];
  const viewRef = useRef<{ ids: Set<string>; first: boolean }>({ ids: new Set(), first: true });
  const pending = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  useEffect(() => {
    let alive = true;
    api<JobList>(`/jobs?${query(filters, cursor)}`).then(
      (p) => {
        if (!alive) return;
        setPage(p);
        setError(undefined);
        viewRef.current = { ids: new Set(p.items.map((j) => j.id)), first: cursors.length === 1 };
        for (const j of p.items) if (!isTerminal(j.state)) refreshDetail(j.id, 0);
      },
      (e: unknown) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [filters, cursor, n]);

  const refreshDetail = (id: string, delay = 400) => {
    if (pending.current.has(id)) return;
    pending.current.set(
      id,
      setTimeout(() => {
        pending.current.delete(id);
        api<JobDetail>(`/jobs/${id}`).then(
          (d) => {
            setDetails((m) => ({ ...m, [id]: d }));
            setPage((p) =>
              p
                ? { ...p, items: p.items.map((j) => (j.id === id ? { ...j, state: d.state, progress: d.progress, error: d.error, outputs: d.outputs } : j)) }
                : p,
            );
            setLive((m) => {
              const info = m[id];
              if (!info || d.progress <= 0) return m;
              const t = Date.now();
              const kept = (info.samples ?? []).filter((x) => t - x.t <= ETA_WINDOW_MS);
              return { ...m, [id]: { ...info, samples: [...kept, { t, p: d.progress }] } };
            });
          },
          () => undefined,
        );
      }, delay),
    );
  };

  useEffect(() => {
    let reloadTimer: ReturnType<typeof setTimeout> | undefined;
    const onEvent = (e: LiveEvent) => {
      if (!('jobId' in e)) return;
      const view = viewRef.current;
      if (!view.ids.has(e.jobId)) {
        // A job this page does not show yet: the first page picks it up.
        if (view.first && e.type === 'job.state' && !reloadTimer) reloadTimer = setTimeout(() => ((reloadTimer = undefined), setN((x) => x + 1)), 300);
        return;
      }
      if (e.type === 'task.progress') {
        setLive((m) => {
          const prev = m[e.jobId] ?? { fps: null, speed: null, rung: {}, ladder: null };
          const next: LiveInfo = { ...prev, fps: e.fps ?? prev.fps, speed: e.speed ?? prev.speed };
          if (e.kind === 'encode' && e.fraction !== null) {
            if (e.rendition) next.rung = { ...prev.rung, [e.rendition]: e.fraction };
            else next.ladder = e.fraction;
          }
          return { ...m, [e.jobId]: next };
        });
      }
      if (e.type === 'job.state')
        setPage((p) =>
          p ? { ...p, items: p.items.map((j) => (j.id === e.jobId ? { ...j, state: e.state, progress: Math.max(j.progress, e.progress) } : j)) } : p,
        );
      refreshDetail(e.jobId, e.type === 'task.progress' ? 700 : 100);
    };
    const stop = subscribeLive(onEvent, setStatus);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      stop();
      clearInterval(tick);
      if (reloadTimer) clearTimeout(reloadTimer);
      for (const t of pending.current.values()) clearTimeout(t);
      pending.current.clear();
    };
  }, []);

  const apply = (e: Event) => {
    e.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };
  const clear = () => {
    const empty = { state: '', q: '', from: '', to: '' };
    setDraft(empty);
    setFilters(empty);
    setCursors([undefined]);
  };
  const filtered = Boolean(filters.state || filters.q || filters.from || filters.to);

  return (
    <>
      <div class="page-head">
        <h1>Jobs</h1>
        <span class={`live-dot ${status}`} role="status" aria-live="polite">
          {status === 'live' ? 'live' : status === 'connecting' ? 'connecting…' : 'live updates offline, reconnecting'}
        </span>
        {(me.role === 'admin' || me.role === 'operator') && (
          <a class="button" href="#/submit">
            Submit a job
          </a>
        )}
      </div>
      <form class="filters" onSubmit={apply} aria-label="Filter jobs">
        <label>
          State
          <select
            value={draft.state}
            onChange={(e) => {
              const next = { ...draft, state: e.currentTarget.value };
              setDraft(next);
              setFilters(next);
              setCursors([undefined]);
            }}
          >
            <option value="">any</option>
            {jobStates.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
        </label>
        <label>
          To
          <input type="date" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
        </label>
        <label class="grow">
          Search
          <input type="search" placeholder="job id, input or submitter" value={draft.q} onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })} />
        </label>
        <button type="submit">Apply</button>
        {filtered && (
          <button type="button" class="secondary" onClick={clear}>
            Clear
          </button>
        )}
      </form>
      {error !== undefined && <ErrorBox error={error} retry={() => setN((x) => x + 1)} />}
      {!page && error === undefined && <Loading what="jobs" />}
      {page && page.items.length === 0 && (
        <Empty>
          {filtered
            ? 'No job matches these filters.'
            : me.role === 'viewer' || me.role === 'auditor'
              ? 'No jobs yet.'
              : 'No jobs yet: submit a master to start one.'}
        </Empty>
      )}
      {page && page.items.length > 0 && (
        <table class="jobs">
          <caption class="sr-only">Jobs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">State</th>
              <th scope="col" class="w-progress">
                Progress
              </th>
              <th scope="col">Speed</th>
              <th scope="col">ETA</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((j) => {
              const d = details[j.id];
              const info = live[j.id];
              const active = !isTerminal(j.state);
              const e = active ? eta(info, j.progress, now) : null;
              return (
                <tr key={j.id} data-job={j.id} data-state={j.state}>
                  <td>
                    <a href={`#/jobs/${j.id}`} class="mono">
                      {j.id}
                    </a>
                    <div class="muted small">
                      {j.input.key} · {j.ladder} v{j.ladderVersion} · {j.packaging.join('+')}
                    </div>
                  </td>
                  <td>
                    <StateBadge state={j.state} />
                    {j.error && <div class="small err-text">{j.error.code}</div>}
                  </td>
                  <td>
                    <ProgressBar value={j.progress} label={`Progress of job ${j.id}`} />
                    {active && d && d.renditions.length > 0 && (
                      <ul class="rungs" aria-label={`Rungs of job ${j.id}`}>
                        {d.renditions.map((r) => (
                          <li key={r.name}>
                            <span class="rung-name">{r.name}</span>
                            <ProgressBar small value={rungFraction(d, r.name, info)} label={`Rung ${r.name} of job ${j.id}`} />
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td class="nowrap">{active && info?.fps ? `${info.fps.toFixed(0)} fps · ${info.speed?.toFixed(2) ?? '—'}×` : '—'}</td>
                  <td class="nowrap">{e !== null ? duration(e) : '—'}</td>
                  <td class="nowrap small">
                    {time(j.createdAt)}
                    <div class="muted">{j.submittedBy}</div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {(cursors.length > 1 || page?.nextCursor) && (
        <nav class="pager" aria-label="Pages">
          <button type="button" class="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            ← Newer
          </button>
          <span>Page {cursors.length}</span>
          <button type="button" class="secondary" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}>
            Older →
          </button>
        </nav>
      )}
    </>
  );
}
