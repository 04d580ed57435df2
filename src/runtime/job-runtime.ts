import type { RenditionQuality } from '../media/quality-gate.js';
import type { Job, Task } from '../store/jobs.js';

/** A submission as the API and the CLI take it (validated before it gets here). */
export interface SubmitRequest {
  input: { key: string };
  /** Ladder template name (`GET /api/v1/ladders`). */
  ladder: string;
  /** The template version to pin; default: its newest. */
  ladderVersion?: number;
  /** Default: the template's packaging. */
  packaging?: Array<'hls' | 'dash'>;
  /** Caption/subtitle files in the input bucket, packaged with the job (when the template takes sidecars). */
  captions?: SubmitCaption[];
  /** Encoder image id; default: the appliance's default verified image. */
  encoder?: string;
  policy?: { partialLadder: 'wait' | 'emit' };
}

export interface SubmitCaption {
  key: string;
  /** BCP 47 or ISO 639; default: from the file name (`NAME.en.vtt`), else none. */
  language?: string;
  kind?: 'subtitles' | 'captions';
  forced?: boolean;
}

export interface SubmitContext {
  /** Who submits: `token:<id>`, `user:<name>`, `watch:<folder>`. */
  actor: string;
  idempotencyKey?: string;
}

/** A chunked job's chunk as the job detail shows it: its range and its encode task's state. */
export interface ChunkView {
  index: number;
  startSeconds: number;
  endSeconds: number;
  frames: number;
  state: Task['state'];
  attempt: number;
  fraction: number;
}

export interface ChunkingView {
  chunked: boolean;
  reasonCode: string;
  reason: string;
  chunkSeconds: number | null;
  chunks: ChunkView[];
}

/** A job as the API shows it (`GET /api/v1/jobs/{id}`, SPEC.md). */
export interface JobDetail {
  id: string;
  state: Job['state'];
  progress: number;
  input: { key: string; sha256: string | null; size: number | null };
  ladder: string;
  /** The template version the job pinned. */
  ladderVersion: number;
  packaging: string[];
  encoder: string;
  policy: Job['policy'];
  tasks: Array<
    Pick<Task, 'id' | 'kind' | 'rendition' | 'state' | 'attempt' | 'interruptions' | 'maxAttempts' | 'errorCode' | 'errorMessage'> & {
      /** A chunked job's encode task: the chunk it encodes, or the audio (null otherwise). */
      part: { kind: 'chunk'; index: number } | { kind: 'audio' } | null;
    }
  >;
  renditions: Array<{ name: string; state: Task['state']; sha256: string | null }>;
  /** When done: `{"hls": "hls/master.m3u8", "dash": "dash/manifest.mpd"}`. */
  outputs: Record<string, string> | null;
  missingRenditions: string[];
  /** Seconds until the encode ends, estimated from its pace so far; null outside encoding or too early. */
  etaSeconds: number | null;
  /** The chunking decision and each chunk's state (null until planned). */
  chunking: ChunkingView | null;
  /** Per video rendition, measured before packaging (empty until then). */
  quality: RenditionQuality[];
  error: { code: string; message: string } | null;
  submittedBy: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * The job runtime as the HTTP layer, the CLI and ingest see it. Errors are ApplianceErrors
 * with stable codes: INPUT_NOT_FOUND (404/422), LADDER_UNKNOWN (400), ENCODER_UNKNOWN (400),
 * ENCODER_UNVERIFIED (409), IDEMPOTENCY_CONFLICT (409), JOB_NOT_FOUND (404),
 * JOB_FINISHED (409, cancel of a finished job), JOB_NOT_RETRYABLE (409).
 */
export interface JobRuntime {
  submit(request: SubmitRequest, context: SubmitContext): Promise<{ job: JobDetail; created: boolean }>;
  get(jobId: string): Promise<JobDetail>;
  cancel(jobId: string, actor: string): Promise<JobDetail>;
  retry(jobId: string, actor: string): Promise<JobDetail>;
  /** Where a finished job's output file is (`<jobId>/<path>` in the output bucket). */
  outputKey(jobId: string, path: string): Promise<string>;
}
