// The job's DAG (probe → encode → stitch, for a chunked job → package) and the exact command of every process it ran.
import type { JobDetail, JobTask } from '../api';
import { Empty, StateBadge } from '../components/bits';
import { shellLine } from '../format';
import type { TaskPart } from '../job-figures';
import type { ProcessRun } from './job-audit';

/** A task's name on its card: the rendition, the chunk or the audio of a chunked job, the whole ladder, or its kind. */
export function taskTitle(task: JobTask, part: TaskPart | undefined, chunked: boolean): string {
  if (task.kind === 'stitch') return 'stitch (every rung, chunks in order)';
  if (task.kind !== 'encode') return task.kind;
  if (task.rendition) return task.rendition;
  if (part?.part === 'chunk') return `chunk ${part.chunk + 1}${part.chunks ? ` of ${part.chunks}` : ''} (all rungs)`;
  if (part?.part === 'audio') return 'audio (whole programme)';
  return chunked ? 'chunk or audio' : 'ladder (one decode, all rungs)';
}

function TaskCard({ task, runs, title, chunk }: { task: JobTask; runs: ProcessRun[]; title: string; chunk: number | undefined }) {
  const last = runs.filter((r) => r.taskId === task.id).at(-1);
  const p = last?.process;
  return (
    <li class={`task state-border-${task.state}`} data-task={task.id} data-kind={task.kind} data-chunk={chunk}>
      <div class="task-head">
        <strong>{title}</strong>
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

export function Dag({ job, runs, parts }: { job: JobDetail; runs: ProcessRun[]; parts: Map<string, TaskPart> }) {
  const chunked = job.chunking?.chunked === true;
  // A chunked job's encode tasks in time order (the audio, and chunks not started yet, last).
  const order = (t: JobTask) => {
    const p = parts.get(t.id);
    return p?.part === 'chunk' ? p.chunk : p?.part === 'audio' ? 1e6 : 2e6;
  };
  const encodes = job.tasks.filter((t) => t.kind === 'encode');
  const stages: [string, JobTask[]][] = [
    ['Probe', job.tasks.filter((t) => t.kind === 'probe')],
    ['Encode', chunked ? [...encodes].sort((a, b) => order(a) - order(b)) : encodes],
    ...(chunked || job.tasks.some((t) => t.kind === 'stitch') ? [['Stitch', job.tasks.filter((t) => t.kind === 'stitch')] as [string, JobTask[]]] : []),
    ['Package', job.tasks.filter((t) => t.kind === 'package')],
  ];
  return (
    <ol class={`dag${stages.length === 4 ? ' dag-4' : ''}`} aria-label={`Task graph: ${stages.map(([n]) => n.toLowerCase()).join(', then ')}`}>
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
                <TaskCard key={t.id} task={t} runs={runs} title={taskTitle(t, parts.get(t.id), chunked)} chunk={chunkOf(parts.get(t.id))} />
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}

const chunkOf = (p: TaskPart | undefined) => (p?.part === 'chunk' ? p.chunk : undefined);

export function Commands({ runs }: { runs: ProcessRun[] }) {
  if (runs.length === 0) return <Empty>No process has run yet.</Empty>;
  return (
    <ol class="commands">
      {runs.map((r, i) => (
        <li key={`${r.seq}-${i}`}>
          <div class="small muted">
            {r.kind ?? r.type}
            {r.rendition ? ` ${r.rendition}` : ''}
            {r.attempt ? ` · attempt ${r.attempt}` : ''} ·{' '}
            {r.process.outcome === 'started'
              ? `started (pid ${r.process.pid ?? '?'}), no exit recorded`
              : `exit ${r.process.exitCode ?? r.process.signal ?? '—'}`}{' '}
            · audit #{r.seq}
          </div>
          <pre class="cmd">{shellLine(r.process.argv)}</pre>
        </li>
      ))}
    </ol>
  );
}
