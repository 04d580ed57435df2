import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isApplianceError, messageOf } from '../errors/appliance-error.js';
import { DEFAULT_MAX_CAPTION_BYTES } from '../media/captions/caption-bytes.js';
import type { CaptionFix } from '../media/captions/cue.js';
import { readCaption } from '../media/captions/read-caption.js';
import { writeWebVtt } from '../media/captions/write-webvtt.js';
import { writeImsc1 } from '../media/captions/write-imsc.js';
import type { CaptionPlan, LadderPlan } from '../media/plan-types.js';
import type { ObjectStore } from '../storage/object-store.js';
import { extractSubtitleStreams } from '../supervisor/stages/caption-stage.js';
import type { StageContext, StageRuns } from '../supervisor/stages/stage-context.js';
import type { StagePool } from '../supervisor/stage-pool.js';

/** A caption ready to package: checked cues written as WebVTT (and IMSC1 when DASH asks for it). */
export interface PreparedCaption {
  plan: CaptionPlan;
  vttPath: string;
  imscPath: string | null;
}

/** What the audit records of each caption: where it came from, what was fixed, or why it was left out. */
export interface CaptionRecord {
  name: string;
  source: CaptionPlan['source'];
  state: 'packaged' | 'skipped';
  sourceSha256: string | null;
  format?: string;
  encoding?: string;
  cues?: number;
  fixes?: CaptionFix[];
  error?: { code: string; message: string };
}

export interface PreparedCaptions {
  runs: StageRuns;
  captions: PreparedCaption[];
  records: CaptionRecord[];
  /** A caption the template refuses to do without: the job fails with this. */
  refused: { code: string; message: string } | null;
}

async function readObject(objects: ObjectStore, key: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await objects.get('input', key)) {
    size += (chunk as Buffer).length;
    // One byte over the limit is enough for the reader to refuse it (CAPTION_TOO_LARGE).
    if (size > DEFAULT_MAX_CAPTION_BYTES + 1) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads every caption of a plan (sidecars from the input bucket, subtitle streams extracted
 * from the master on the given pool), checks and normalises it (captions/read-caption.ts),
 * and writes what packaging needs into `outDir`. A caption that cannot be used fails the job
 * (`invalidCaptions: refuse`) or is left out (`skip`); either way its reason is recorded.
 */
export async function prepareCaptions(
  deps: { objects: ObjectStore; pool: StagePool; ctx: StageContext },
  task: { taskId: string; plan: LadderPlan; masterPath: (() => Promise<{ input: string; release(): Promise<void> }>) | null; outDir: string },
): Promise<PreparedCaptions> {
  const { plan } = task;
  const result: PreparedCaptions = { runs: [], captions: [], records: [], refused: null };
  if (plan.captions.length === 0) return result;
  await mkdir(task.outDir, { recursive: true });
  const extracted = new Map<string, Uint8Array>();
  if (plan.captions.some((c) => c.source.kind === 'stream') && task.masterPath) {
    const master = await task.masterPath();
    try {
      const r = await extractSubtitleStreams(deps.pool, deps.ctx, {
        taskId: task.taskId,
        inputPath: master.input,
        captions: plan.captions,
        outDir: task.outDir,
      });
      result.runs.push(...r.runs);
      for (const e of r.extracted) extracted.set(e.name, e.bytes);
      const failed = r.runs.find((run) => run.outcome !== 'succeeded');
      if (failed?.outcome === 'cancelled') return result;
    } finally {
      await master.release();
    }
  }
  for (const caption of plan.captions) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = caption.source.kind === 'sidecar' ? await readObject(deps.objects, caption.source.key) : extracted.get(caption.name);
      if (!bytes) throw new Error('ffmpeg did not convert the subtitle stream (see the process record)');
      const read = readCaption(bytes, {
        ...(caption.source.kind === 'sidecar' ? { format: caption.source.format } : { format: 'webvtt' as const }),
        ...(plan.durationSeconds !== null ? { durationSeconds: plan.durationSeconds } : {}),
      });
      const vttPath = join(task.outDir, `${caption.name}.vtt`);
      await writeFile(vttPath, writeWebVtt(read.cues));
      let imscPath: string | null = null;
      if (plan.dashCaptionFormat === 'imsc1') {
        imscPath = join(task.outDir, `${caption.name}.ttml`);
        await writeFile(imscPath, writeImsc1(read.cues, { language: caption.language ?? read.language ?? '' }));
      }
      result.captions.push({ plan: caption, vttPath, imscPath });
      result.records.push({
        name: caption.name,
        source: caption.source,
        state: 'packaged',
        sourceSha256: createHash('sha256').update(bytes).digest('hex'),
        format: read.format,
        encoding: read.encoding,
        cues: read.cues.length,
        fixes: read.fixes,
      });
    } catch (err) {
      const error = { code: isApplianceError(err) ? err.code : 'CAPTION_INVALID', message: `${caption.name}: ${messageOf(err)}` };
      result.records.push({
        name: caption.name,
        source: caption.source,
        state: 'skipped',
        sourceSha256: bytes ? createHash('sha256').update(bytes).digest('hex') : null,
        error,
      });
      if (plan.invalidCaptions === 'refuse' && !result.refused) result.refused = error;
    }
  }
  return result;
}
