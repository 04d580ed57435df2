import { checkAccepted, type AcceptedFormatsPolicy, type Verdict } from '../../media/accepted-formats.js';
import { hdrMetadataIncomplete, parseHdrFrameProbe } from '../../media/hdr-metadata.js';
import type { HdrMetadata } from '../../media/media-info.js';
import { readProbe, type ProbeOutcome } from '../../media/parse-probe.js';
import { hdrFrameProbeArgs, probeArgs } from '../../media/probe-args.js';
import { parseSourceIndex, sourceIndexArgs, type SourceIndex } from '../../media/source-index.js';
import type { StagePool } from '../stage-pool.js';
import type { StageTaskResult } from '../stage-task.js';
import type { StageContext } from './stage-context.js';

export interface ProbeStageResult {
  run: StageTaskResult;
  /** ffprobe's JSON as it printed it (kept for the audit trail), or null when it printed none. */
  probeJson: unknown;
  outcome: ProbeOutcome | null;
  verdict: Verdict | null;
  /**
   * The first-frame probe for HDR10 metadata (`hdrFrameProbeArgs`), run only for a PQ master
   * whose stream-level side data lacks mastering display or content light level (an HEVC
   * elementary stream carries them only as SEI); null when not run. Advisory: its failure
   * leaves `outcome` as the stream probe made it.
   */
  hdrFrameRun: StageTaskResult | null;
  /** What the frame probe found (merged into `outcome.info.video.hdrMetadata`), or null. */
  frameHdrMetadata: HdrMetadata | null;
  /**
   * The packet index of the video stream (source-index.ts), read only for a master longer than
   * `indexLongerThanSeconds` (one that may be chunked); null when not run. Advisory: a failed or
   * unusable index leaves the master to be encoded in one piece.
   */
  indexRun: StageTaskResult | null;
  sourceIndex: SourceIndex | null;
}

/** probe(input) → MediaInfo + the accepted-formats verdict, on the probe pool. */
export async function probeStage(
  pool: StagePool,
  ctx: StageContext,
  task: { taskId: string; inputPath: string; policy?: AcceptedFormatsPolicy; indexLongerThanSeconds?: number | null },
): Promise<ProbeStageResult> {
  const options = {
    stdout: 'collect' as const,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onSpawned ? { onSpawned: ctx.onSpawned } : {}),
  };
  const run = await pool.run(task.taskId, ctx.image, ctx.trust, { binary: 'ffprobe', args: probeArgs(task.inputPath) }, options);
  if (run.outcome !== 'succeeded' && run.outcome !== 'failed')
    return { run, probeJson: null, outcome: null, verdict: null, hdrFrameRun: null, frameHdrMetadata: null, indexRun: null, sourceIndex: null };
  let probeJson: unknown;
  try {
    probeJson = run.stdout.trim() ? JSON.parse(run.stdout) : null;
  } catch {
    probeJson = null;
  }
  // A non-zero ffprobe on a broken file is a verdict about the file, not a stage failure.
  let outcome = readProbe(run.stdout, { stderr: run.stderrTail });
  let hdrFrameRun: StageTaskResult | null = null;
  let frameHdrMetadata: HdrMetadata | null = null;
  const video = outcome.readable ? outcome.info.video : null;
  if (video && video.color.transfer === 'smpte2084' && hdrMetadataIncomplete(video.hdrMetadata)) {
    hdrFrameRun = await pool.run(
      `${task.taskId}:hdr-frame`,
      ctx.image,
      ctx.trust,
      { binary: 'ffprobe', args: hdrFrameProbeArgs(task.inputPath, { streamIndex: video.index }) },
      options,
    );
    if (hdrFrameRun.outcome === 'cancelled')
      return { run: hdrFrameRun, probeJson, outcome: null, verdict: null, hdrFrameRun, frameHdrMetadata: null, indexRun: null, sourceIndex: null };
    if (hdrFrameRun.outcome === 'succeeded') frameHdrMetadata = parseHdrFrameProbe(hdrFrameRun.stdout);
    if (frameHdrMetadata) outcome = readProbe(run.stdout, { stderr: run.stderrTail, frameHdrMetadata });
  }
  let indexRun: StageTaskResult | null = null;
  let sourceIndex: SourceIndex | null = null;
  const duration = outcome.readable ? (outcome.info.container.durationSeconds ?? outcome.info.video?.durationSeconds ?? null) : null;
  const limit = task.indexLongerThanSeconds;
  if (video && limit !== undefined && limit !== null && duration !== null && duration > limit) {
    indexRun = await pool.run(`${task.taskId}:index`, ctx.image, ctx.trust, { binary: 'ffprobe', args: sourceIndexArgs(task.inputPath, video.index) }, options);
    if (indexRun.outcome === 'cancelled')
      return { run: indexRun, probeJson, outcome: null, verdict: null, hdrFrameRun, frameHdrMetadata, indexRun, sourceIndex };
    if (indexRun.outcome === 'succeeded') sourceIndex = parseSourceIndex(indexRun.stdout);
    // The packet list is the audit's business only through the figures; keep the record small.
    indexRun = { ...indexRun, stdout: '' };
  }
  return { run, probeJson, outcome, verdict: checkAccepted(outcome, task.policy), hdrFrameRun, frameHdrMetadata, indexRun, sourceIndex };
}
