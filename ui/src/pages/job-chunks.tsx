// A chunked job's encode: the chunking decision in one line, the chunk strip (one cell per
// chunk, in time order, as wide as its frames, coloured by state) and each rung's stitch.
import type { JobDetail } from '../api';
import { clock, percent } from '../format';

type Chunking = NonNullable<JobDetail['chunking']>;
type Chunk = Chunking['chunks'][number];

/** "Chunked: 5 chunks of 4 s" / "Not chunked: <reason>". */
export function chunkingLine(c: Chunking): string {
  if (!c.chunked) return `Not chunked: ${c.reason}`;
  const n = c.chunks.length;
  return `Chunked: ${n} chunk${n === 1 ? '' : 's'}${c.chunkSeconds !== null ? ` of ${c.chunkSeconds} s` : ''}`;
}

/** A chunk's tooltip: "Chunk 2 of 5 · 0:04–0:08 · 100 frames · attempt 1 · running 40 %". */
export function chunkTitle(c: Chunk, of: number): string {
  const state = c.state === 'running' ? `running ${percent(c.fraction)}` : c.state;
  return `Chunk ${c.index + 1} of ${of} · ${clock(c.startSeconds)}–${clock(c.endSeconds)} · ${c.frames} frames · attempt ${c.attempt} · ${state}`;
}

/** What a rung's stitch is at: stitched (its rendition done), the stitch task's state, or waiting for the chunks. */
export function stitchState(rung: string, job: JobDetail): { state: string; text: string } {
  const r = job.renditions.find((x) => x.name === rung);
  if (r?.state === 'succeeded') return { state: 'succeeded', text: 'stitched' };
  const stitch = job.tasks.filter((t) => t.kind === 'stitch').at(-1);
  if (stitch) return { state: stitch.state, text: stitch.state === 'pending' ? 'stitch queued' : `stitch ${stitch.state}` };
  const chunks = job.chunking?.chunks ?? [];
  if (chunks.some((c) => c.state === 'dead' || c.state === 'failed')) return { state: 'failed', text: 'a chunk failed' };
  return { state: 'pending', text: 'waiting for the chunks' };
}

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

/** The video rungs of a job: the plan's, else the renditions that are not audio. */
export function videoRungs(job: JobDetail, planned: string[] | undefined): string[] {
  if (planned?.length) return planned;
  return job.renditions.map((r) => r.name).filter((n) => !n.startsWith('audio'));
}
