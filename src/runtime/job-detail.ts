import { renditionNames } from '../media/ladder-plan.js';
import type { Job, Task } from '../store/jobs.js';
import { encodedRenditions } from './ladder-decision.js';
import type { ChunkingView, JobDetail } from './job-runtime.js';
import { encodeInput, encodeOutput, packageOutput, stitchOutput } from './task-payloads.js';

/** Which part of a chunked encode a task is: a chunk (by index) or the audio; null for any other task. */
function partOf(t: Task): JobDetail['tasks'][number]['part'] {
  if (t.kind !== 'encode') return null;
  const { part } = encodeInput(t);
  return part ? (part.kind === 'chunk' ? { kind: 'chunk', index: part.chunk.index } : { kind: 'audio' }) : null;
}

/** A chunked job's audio task counts for this share of the encode's progress; the chunks share the rest by their frames. */
const AUDIO_SHARE = 0.05;

const fractionOf = (t: Task, live: ReadonlyMap<string, number>): number => (t.state === 'succeeded' ? 1 : (live.get(t.id) ?? 0));

/** The chunking decision and each chunk's state, from the job's encode tasks. */
function chunkingOf(encodeTasks: readonly Task[], live: ReadonlyMap<string, number>): ChunkingView | null {
  const inputs = encodeTasks.map((t) => ({ t, input: encodeInput(t) }));
  const summary = inputs.find((x) => x.input.chunking)?.input.chunking;
  if (!summary) return null;
  const chunks = inputs.flatMap(({ t, input }) =>
    input.part?.kind === 'chunk'
      ? [
          {
            index: input.part.chunk.index,
            startSeconds: input.part.chunk.startSeconds,
            endSeconds: input.part.chunk.endSeconds,
            frames: input.part.chunk.frames,
            state: t.state,
            attempt: t.attempt,
            fraction: Math.round(fractionOf(t, live) * 1000) / 1000,
          },
        ]
      : [],
  );
  return { ...summary, chunks: chunks.sort((a, b) => a.index - b.index) };
}

/** The encode's fraction done: chunks weighed by their frames (and the audio task by AUDIO_SHARE), else the mean of its tasks. */
function encodeFraction(encodeTasks: readonly Task[], chunking: ChunkingView | null, live: ReadonlyMap<string, number>): number {
  if (chunking?.chunked && chunking.chunks.length) {
    const frames = chunking.chunks.reduce((a, c) => a + c.frames, 0);
    const video = chunking.chunks.reduce((a, c) => a + c.frames * c.fraction, 0) / frames;
    const audio = encodeTasks.find((t) => encodeInput(t).part?.kind === 'audio');
    return audio ? video * (1 - AUDIO_SHARE) + fractionOf(audio, live) * AUDIO_SHARE : video;
  }
  const tasks = encodeTasks.filter((t) => t.state !== 'failed');
  return tasks.length ? tasks.reduce((a, t) => a + fractionOf(t, live), 0) / tasks.length : 0;
}

/** A chunked job's renditions: a rung is done once stitched, running while any chunk runs; audio as its task. */
function chunkedRenditionStates(names: readonly string[], tasks: readonly Task[]): JobDetail['renditions'] {
  const stitched = tasks.filter((t) => t.kind === 'stitch' && t.state === 'succeeded').flatMap((t) => stitchOutput(t).renditions);
  const encodeTasks = tasks.filter((t) => t.kind === 'encode');
  const chunkTasks = encodeTasks.filter((t) => encodeInput(t).part?.kind === 'chunk');
  const audioTask = encodeTasks.find((t) => encodeInput(t).part?.kind === 'audio');
  const audioDone = audioTask?.state === 'succeeded' ? encodeOutput(audioTask).renditions : [];
  const worst: Task['state'] = chunkTasks.some((t) => t.state === 'dead')
    ? 'dead'
    : chunkTasks.some((t) => t.state === 'failed')
      ? 'failed'
      : chunkTasks.some((t) => t.state === 'running')
        ? 'running'
        : 'pending';
  return names.map((name) => {
    const done = stitched.find((d) => d.name === name) ?? audioDone.find((d) => d.name === name);
    if (done) return { name, state: 'succeeded' as const, sha256: done.sha256 };
    const isAudio = audioTask && encodeInput(audioTask).plan.audio.some((a) => a.name === name);
    return { name, state: isAudio ? audioTask.state : worst, sha256: null };
  });
}

const STAGE_SPAN: Record<string, [number, number]> = { queued: [0, 0], probing: [0, 0.05], encoding: [0.05, 0.9], packaging: [0.9, 1] };

/** The API's view of a job; `live` holds the fraction of attempts running right now. */
export function jobDetail(job: Job, tasks: readonly Task[], live: ReadonlyMap<string, number>, now = Date.now()): JobDetail {
  const encodeTasks = tasks.filter((t) => t.kind === 'encode');
  const ladder = encodeTasks.find((t) => t.rendition === null);
  const plan = ladder ? encodeInput(ladder).plan : undefined;
  const names = plan ? renditionNames(plan) : [];
  const chunking = chunkingOf(encodeTasks, live);
  const done = encodedRenditions(tasks);
  const renditions = chunking?.chunked
    ? chunkedRenditionStates(names, tasks)
    : names.map((name) => {
        const own = tasks.filter((t) => t.kind === 'encode' && t.rendition === name).at(-1);
        const fromDone = done.find((d) => d.name === name);
        const state: Task['state'] = fromDone ? 'succeeded' : (own?.state ?? ladder?.state ?? 'pending');
        return { name, state, sha256: fromDone?.sha256 ?? null };
      });
  let progress = job.progress;
  let etaSeconds: number | null = null;
  const span = STAGE_SPAN[job.state];
  if (span && job.state === 'encoding') {
    const f = encodeFraction(encodeTasks, chunking, live);
    progress = span[0] + (span[1] - span[0]) * f;
    const since = Math.min(...encodeTasks.map((t) => Date.parse(t.createdAt)));
    if (f >= 0.02 && f < 1 && Number.isFinite(since)) etaSeconds = Math.round((((now - since) / 1000) * (1 - f)) / f);
  } else if (span) {
    const stageTasks = tasks.filter(
      (t) => (job.state === 'packaging' ? t.kind === 'package' || t.kind === 'stitch' : t.kind === 'probe') && t.state !== 'failed',
    );
    const fractions = stageTasks.map((t) => fractionOf(t, live));
    const f = fractions.length ? fractions.reduce((a, b) => a + b, 0) / fractions.length : 0;
    progress = span[0] + (span[1] - span[0]) * f;
  } else if (job.state === 'completed' || job.state === 'partial') progress = 1;
  const packaged = tasks
    .filter((t) => t.kind === 'package' && (t.state === 'succeeded' || t.errorCode === 'QUALITY_BELOW_THRESHOLD'))
    .map((t) => packageOutput(t));
  // Renditions that never encoded, and rungs the quality gate left out (`onBelow: partial`).
  const missing =
    job.state === 'partial' || job.state === 'failed'
      ? [...renditions.filter((r) => r.state !== 'succeeded').map((r) => r.name), ...packaged.flatMap((p) => p.leftOut ?? [])]
      : [];
  return {
    id: job.id,
    state: job.state,
    progress: Math.round(progress * 1000) / 1000,
    input: { key: job.inputKey, sha256: job.inputSha256, size: job.inputSize },
    ladder: job.ladder,
    ladderVersion: job.ladderVersion,
    packaging: job.packaging,
    encoder: job.encoderImage,
    policy: job.policy,
    tasks: tasks.map((t) => ({
      id: t.id,
      kind: t.kind,
      rendition: t.rendition,
      state: t.state,
      attempt: t.attempt,
      interruptions: t.interruptions,
      maxAttempts: t.maxAttempts,
      errorCode: t.errorCode,
      errorMessage: t.errorMessage,
      part: partOf(t),
    })),
    renditions,
    outputs: job.outputs,
    missingRenditions: missing,
    etaSeconds,
    chunking,
    quality: packaged.flatMap((p) => p.quality ?? []),
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
    submittedBy: job.submittedBy,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}
