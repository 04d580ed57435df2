// A chunked job's encode: the chunking decision in one line, the chunk strip (one cell per
// chunk, in time order, as wide as its frames, coloured by state) and each rung's stitch.
import type { JobDetail } from '../api';
import { clock } from '../format';
import { chunkTitle, stitchState } from '../job-figures';

export function ChunkStrip({ job, rungs }: { job: JobDetail; rungs: string[] }) {
  const c = job.chunking;
  if (!c) return null;
  const chunks = [...c.chunks].sort((a, b) => a.index - b.index);
  const done = chunks.filter((x) => x.state === 'succeeded').length;
  if (!c.chunked || chunks.length === 0) return null;
  return (
    <div class="chunking">
      <p class="small muted">{c.reason}</p>
      <div class="chunk-strip-head small">
        <span>
          Each chunk encodes every rung: <strong>{rungs.length ? rungs.join(', ') : 'the ladder'}</strong>
        </span>
        <span class="muted">
          {done} / {chunks.length} chunks done
        </span>
      </div>
      <ol class="chunk-strip" aria-label={`Chunks (${rungs.join(', ')})`}>
        {chunks.map((x) => (
          <li
            key={x.index}
            class={`chunk chunk-${x.state}`}
            style={{ flexGrow: Math.max(1, x.frames) }}
            title={chunkTitle(x, chunks.length)}
            aria-label={chunkTitle(x, chunks.length)}
            data-index={x.index}
            data-state={x.state}
            data-attempt={x.attempt}
            data-fraction={x.fraction}
          >
            {x.state === 'running' && <span class="chunk-fill" style={{ width: `${Math.round(x.fraction * 100)}%` }} />}
            <span class="chunk-label">{x.index + 1}</span>
          </li>
        ))}
      </ol>
      <div class="chunk-axis small muted" aria-hidden="true">
        <span>{clock(chunks[0]!.startSeconds)}</span>
        <span>{clock(chunks.at(-1)!.endSeconds)}</span>
      </div>
      <ul class="stitch-states" aria-label="Stitch per rung">
        <li class="muted small">Stitch:</li>
        {rungs.map((r) => {
          const s = stitchState(r, job);
          return (
            <li key={r} data-rung={r} data-stitch={s.state}>
              <span class="mono">{r}</span> <span class={`badge state-${s.state}`}>{s.text}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
