import { z } from 'zod';
import { jobStates, taskKinds, taskStates } from './states.js';

/**
 * The zod schemas of the jobs, inputs and outputs API: request bodies are validated with
 * them, the OpenAPI document (`GET /api/v1/openapi.json`) is generated from them, the routes'
 * answers are checked against them (`satisfies`), and the UI takes its types from them —
 * one definition, four readers. This folder imports nothing but zod (test/layers).
 */

export { jobStates, taskKinds, taskStates };

export const MAX_LIST_LIMIT = 500;

/** `POST /api/v1/jobs`: strict; an unknown field is a 400. */
export const submitBody = z
  .object({
    input: z.object({ key: z.string().min(1).max(1024).describe('a key of the input bucket (what `PUT /api/v1/inputs/{name}` returned)') }).strict(),
    ladder: z.string().min(1).max(100).describe('a ladder template name (`GET /api/v1/ladders`)'),
    ladderVersion: z.number().int().min(1).optional().describe('the template version to pin; default: its newest'),
    packaging: z
      .array(z.enum(['hls', 'dash']))
      .min(1)
      .max(2)
      .refine((p) => new Set(p).size === p.length, 'must not repeat a format')
      .optional()
      .describe("the packages to make; default: the template's"),
    captions: z
      .array(
        z
          .object({
            key: z.string().min(1).max(1024).describe('a caption file in the input bucket: .vtt, .srt, .ttml/.dfxp/.xml'),
            language: z
              .string()
              .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language code (ISO 639 or BCP 47)')
              .optional()
              .describe('default: from the file name (`Movie.en.vtt`)'),
            kind: z.enum(['subtitles', 'captions']).optional().describe('captions: closed captions / SDH; default subtitles'),
            forced: z.boolean().optional(),
          })
          .strict(),
      )
      .max(64)
      .optional()
      .describe('caption and subtitle files packaged with the job (when the template takes sidecars)'),
    encoder: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be an encoder image id (64 lowercase hex digits)')
      .optional()
      .describe('encoder image id; default: the appliance default verified image'),
    policy: z
      .object({ partialLadder: z.enum(['wait', 'emit']) })
      .strict()
      .optional(),
  })
  .strict();

export type SubmitBody = z.infer<typeof submitBody>;

/** `Idempotency-Key`: 1–200 visible ASCII characters. */
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'Idempotency-Key must be 1-200 visible ASCII characters');

/** `GET /api/v1/jobs` query. */
export const listQuery = z
  .object({
    state: z.enum(jobStates).optional(),
    cursor: z.string().min(1).max(500).optional(),
    from: z.iso
      .datetime({ offset: true })
      .transform((t) => new Date(t).toISOString())
      .optional()
      .describe('created at or after (ISO 8601)'),
    to: z.iso
      .datetime({ offset: true })
      .transform((t) => new Date(t).toISOString())
      .optional()
      .describe('created before (ISO 8601)'),
    q: z.string().min(1).max(200).optional().describe('text in the job id, input key or submitter'),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, 'must be an integer 1-500')
      .transform(Number)
      .pipe(z.number().int().min(1).max(MAX_LIST_LIMIT))
      .optional(),
  })
  .strict();

/** `GET /api/v1/jobs/{id}/audit` query: a page after an audit seq. */
export const auditQuery = z
  .object({
    after: z
      .string()
      .regex(/^\d{1,15}$/, 'must be an audit seq')
      .transform(Number)
      .optional(),
    limit: z
      .string()
      .regex(/^\d{1,5}$/, 'must be an integer 1-10000')
      .transform(Number)
      .pipe(z.number().int().min(1).max(10000))
      .optional(),
  })
  .strict();

export const errorBody = z.object({
  error: z.object({
    code: z.string().describe('stable machine-readable code (docs/error-codes.md)'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

const jobPolicy = z.object({ partialLadder: z.enum(['wait', 'emit']) });
const jobError = z.object({ code: z.string(), message: z.string() }).nullable();

export const jobSummary = z.object({
  id: z.string(),
  state: z.enum(jobStates),
  progress: z.number().min(0).max(1),
  input: z.object({ key: z.string(), sha256: z.string().nullable(), size: z.number().int().nullable() }),
  ladder: z.string(),
  ladderVersion: z.number().int().describe('the ladder template version the job pinned'),
  packaging: z.array(z.string()),
  encoder: z.string(),
  policy: jobPolicy,
  outputs: z.record(z.string(), z.string()).nullable(),
  error: jobError,
  submittedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const qualityMetric = z.object({
  mean: z.number(),
  min: z.number(),
  worstSegmentSeconds: z.number().describe('start of the sampled segment with the lowest mean'),
});

export const jobDetailSchema = jobSummary.extend({
  tasks: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(taskKinds),
      rendition: z.string().nullable(),
      state: z.enum(taskStates),
      attempt: z.number().int(),
      interruptions: z.number().int().describe('attempts the appliance itself cut short (crash, shutdown); not counted against maxAttempts'),
      maxAttempts: z.number().int(),
      errorCode: z.string().nullable(),
      errorMessage: z.string().nullable(),
      part: z
        .union([z.object({ kind: z.literal('chunk'), index: z.number().int() }), z.object({ kind: z.literal('audio') })])
        .nullable()
        .describe("a chunked job's encode task: the chunk it encodes (its index in chunking.chunks) or the whole programme's audio; null for every other task"),
    }),
  ),
  renditions: z.array(z.object({ name: z.string(), state: z.enum(taskStates), sha256: z.string().nullable() })),
  missingRenditions: z.array(z.string()),
  etaSeconds: z
    .number()
    .nullable()
    .describe(
      'estimated seconds until the encode ends, from the time it has taken so far (chunks weighed by their frames); null when not encoding or too early to say',
    ),
  chunking: z
    .object({
      chunked: z.boolean(),
      reasonCode: z.string().describe('why it is (long-master) or is not chunked (docs/chunking.md)'),
      reason: z.string(),
      chunkSeconds: z.number().nullable(),
      chunks: z.array(
        z.object({
          index: z.number().int(),
          startSeconds: z.number(),
          endSeconds: z.number(),
          frames: z.number().int(),
          state: z.enum(taskStates),
          attempt: z.number().int(),
          fraction: z.number().min(0).max(1).describe('done: 1; running: its progress'),
        }),
      ),
    })
    .nullable()
    .describe('null until the job is planned'),
  quality: z
    .array(
      z.object({
        rendition: z.string(),
        psnr: qualityMetric.nullable(),
        ssim: qualityMetric.nullable(),
        xpsnr: qualityMetric.nullable().describe('null where the image has no xpsnr filter'),
        frames: z.number().int(),
        sampledSeconds: z.number(),
        sample: z.union([z.object({ segments: z.number().int() }), z.literal('all')]),
        thresholds: z.object({ psnr: z.number().optional(), ssim: z.number().optional(), xpsnr: z.number().optional() }),
        passed: z.boolean(),
        below: z.array(z.enum(['psnr', 'ssim', 'xpsnr'])).describe('metrics whose mean is under their threshold'),
      }),
    )
    .describe('per video rendition, measured against the master before packaging (docs/quality.md); empty until then'),
});

export const jobList = z.object({ items: z.array(jobSummary), nextCursor: z.string().nullable() });

export const auditEventSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  type: z.string(),
  actor: z.string(),
  job_id: z.string().nullable(),
  payload: z.unknown().describe('the event payload (an object; its fields per event type, docs/audit-chain.md)'),
  prev_hash: z.string(),
  hash: z.string().describe('sha256_hex(prev_hash || JCS({actor, at, job_id, payload, seq, type})), docs/audit-chain.md'),
});

/** `GET /api/v1/jobs/{id}/audit`: a page of the job's audit events. */
export const auditPage = z.object({ items: z.array(auditEventSchema), nextAfter: z.number().int().nullable() });

export const uploadResult = z.object({ key: z.string(), sha256: z.string(), size: z.number().int(), unchanged: z.boolean().optional() });

export type JobSummary = z.infer<typeof jobSummary>;
export type JobDetail = z.infer<typeof jobDetailSchema>;
export type JobList = z.infer<typeof jobList>;
export type AuditEventView = z.infer<typeof auditEventSchema>;
export type AuditPage = z.infer<typeof auditPage>;
export type UploadResult = z.infer<typeof uploadResult>;
export type ErrorBody = z.infer<typeof errorBody>;
