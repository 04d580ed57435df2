// Pure: how a job's chunking, stitch and quality figures read on the job page (job-chunks.tsx,
// job-quality.tsx; unit-tested by test/ui/chunked-job).
// Imports with `.js`: the tests compile this file for Node too (the schema type directly, not through api.ts).
import type { JobDetail } from '../../src/http/schemas/jobs.js';
import { clock, percent } from './format.js';

type Chunking = NonNullable<JobDetail['chunking']>;
type Chunk = Chunking['chunks'][number];
type Quality = JobDetail['quality'][number];
export type MetricName = Quality['below'][number];
type Metric = NonNullable<Quality['psnr']>;

export const METRICS: readonly { key: MetricName; label: string; unit: string; digits: number }[] = [
  { key: 'psnr', label: 'PSNR', unit: ' dB', digits: 2 },
  { key: 'ssim', label: 'SSIM', unit: '', digits: 4 },
  { key: 'xpsnr', label: 'XPSNR', unit: ' dB', digits: 2 },
];

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
  const done = chunks.filter((c) => c.state === 'succeeded').length;
  // The stitch task is made once every encode task (the audio's too) has succeeded.
  if (chunks.length > 0 && done === chunks.length) return { state: 'pending', text: 'chunks done, stitch not started' };
  return { state: 'pending', text: `waiting for the chunks (${done} / ${chunks.length})` };
}

/** The video rungs of a job: the plan's, else the renditions that are not audio. */
export function videoRungs(job: JobDetail, planned: string[] | undefined): string[] {
  if (planned?.length) return planned;
  return job.renditions.map((r) => r.name).filter((n) => !n.startsWith('audio'));
}

export const sampleText = (s: Quality['sample']) => (s === 'all' ? 'whole programme' : `${s.segments} segment${s.segments === 1 ? '' : 's'}`);

/** "PSNR ≥ 20 dB · SSIM ≥ 0.9", or "not gated". */
export function thresholdsText(t: Quality['thresholds']): string {
  const parts = METRICS.filter((m) => t[m.key] !== undefined).map((m) => `${m.label} ≥ ${t[m.key]}${m.unit}`);
  return parts.length ? parts.join(' · ') : 'not gated';
}

/** The start of the worst sampled segment: one time when the metrics agree, else one per metric. */
export function worstText(q: Quality): string {
  const worst = METRICS.flatMap((m) => {
    const v: Metric | null = q[m.key];
    return v ? [{ label: m.label, at: v.worstSegmentSeconds }] : [];
  });
  if (worst.length === 0) return '—';
  if (worst.every((w) => w.at === worst[0]!.at)) return clock(worst[0]!.at);
  return worst.map((w) => `${w.label} ${clock(w.at)}`).join(' · ');
}

/** What an encode task of a chunked job works on: its chunk (with the chunk's range) or the whole programme's audio. */
export type TaskPart = { part: 'chunk'; chunk: number; chunks: number; startSeconds: number; endSeconds: number } | { part: 'audio' };

/** Task id → its part, from the job detail (`tasks[].part` and `chunking.chunks`). */
export function taskParts(job: JobDetail): Map<string, TaskPart> {
  const parts = new Map<string, TaskPart>();
  const chunks = job.chunking?.chunks ?? [];
  for (const t of job.tasks) {
    if (!t.part) continue;
    if (t.part.kind === 'audio') {
      parts.set(t.id, { part: 'audio' });
      continue;
    }
    const index = t.part.index;
    const c = chunks.find((x) => x.index === index);
    parts.set(t.id, { part: 'chunk', chunk: index, chunks: chunks.length, startSeconds: c?.startSeconds ?? 0, endSeconds: c?.endSeconds ?? 0 });
  }
  return parts;
}
