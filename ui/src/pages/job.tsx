import { useEffect, useRef } from 'preact/hooks';
import { api, type AuditEvent, type AuditPage, type EncoderList, type JobDetail, type Me } from '../api';
import { ErrorBox, Loading, ProgressBar, Section, StateBadge } from '../components/bits';
import { Player } from '../components/player';
import { useLoad } from '../components/use-load';
import { bytes, etaText, time } from '../format';
import { subscribeLive } from '../live';
import { Actions } from './job-actions';
import { ladderHref } from './ladder-links';
import { planOf, processRuns } from './job-audit';
import { taskParts } from '../job-figures';
import { chunkingLine, videoRungs } from '../job-figures';
import { ChunkStrip } from './job-chunks';
import { LadderPlan, MediaInfo } from './job-media';
import { QualityTable } from './job-quality';
import { Commands, Dag } from './job-tasks';
import { Timeline } from './job-timeline';

async function loadAudit(id: string): Promise<AuditEvent[]> {
  const all: AuditEvent[] = [];
  let after: number | null = null;
  do {
    const page: AuditPage = await api(`/jobs/${id}/audit?limit=1000${after !== null ? `&after=${after}` : ''}`);
    all.push(...page.items);
    after = page.nextAfter;
  } while (after !== null);
  return all;
}

/** The template the job ran with, at the version it pinned. */
function LadderLink({ name, version }: { name: string; version: number }) {
  return (
    <a href={ladderHref(name, version)}>
      {name} v{version}
    </a>
  );
}

export function JobPage({ id, me }: { id: string; me: Me }) {
  const detail = useLoad(() => api<JobDetail>(`/jobs/${id}`), [id]);
  const audit = useLoad(() => loadAudit(id), [id]);
  const encoders = useLoad(() => api<EncoderList>('/encoders'), []);
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
  const parts = taskParts(job);
  const rungs = videoRungs(
    job,
    planOf(events)?.rungs.map((r) => r.name),
  );
  const eta = job.state === 'encoding' ? etaText(job.etaSeconds) : null;
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
        {eta && (
          <span class="eta muted" data-eta-seconds={job.etaSeconds}>
            {eta}
          </span>
        )}
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
            <dd>
              <LadderLink name={job.ladder} version={job.ladderVersion} />
            </dd>
            <dt>packaging</dt>
            <dd>{job.packaging.join(', ')}</dd>
            <dt>partial ladder</dt>
            <dd>{job.policy.partialLadder}</dd>
            <dt>chunking</dt>
            <dd class="chunking-line" data-chunked={job.chunking ? String(job.chunking.chunked) : undefined} title={job.chunking?.reason}>
              {job.chunking ? chunkingLine(job.chunking) : 'decided once the master is probed'}
            </dd>
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
                <span class={`badge ${encoder.state === 'verified' ? 'state-completed' : 'state-failed'}`}>{encoder.state}</span>{' '}
                {encoder.verifiedAt ? `at ${time(encoder.verifiedAt)}` : ''}
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
      {job.chunking?.chunked && (
        <Section title="Chunks">
          <ChunkStrip job={job} rungs={rungs} />
        </Section>
      )}
      <Section title="Tasks">
        <Dag job={job} runs={runs} parts={parts} />
      </Section>
      <Section title="Quality">
        <QualityTable quality={job.quality} />
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
