// The job's DAG (probe → encode → package) and the exact command of every process it ran.
import type { JobDetail, JobTask } from '../api';
import { Empty, StateBadge } from '../components/bits';
import { shellLine } from '../format';
import type { ProcessRun } from './job-audit';

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

export function Dag({ job, runs }: { job: JobDetail; runs: ProcessRun[] }) {
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
