import { z } from 'zod';

/**
 * The shape of a ladder template (`POST /api/v1/ladders`, `PUT /api/v1/ladders/{name}`), its
 * answers, and the UI's types. Strict: an unknown field is a 400 naming it. What the fields
 * mean together (unique names, levels, HDR on HEVC main10) is checked after this by
 * `templateProblems` (src/media/template-check.ts); `template-parity.ts` keeps this schema
 * and the media layer's `LadderTemplate` the same type at compile time.
 */
const kbps = (what: string) => z.number().int().min(16).max(400_000).describe(`${what}, kbit/s`);

export const rateControlSchema = z.discriminatedUnion('mode', [
  z
    .object({ mode: z.literal('vbr'), bitrateKbps: kbps('target average bitrate'), maxrateKbps: kbps('VBV peak rate'), bufsizeKbps: kbps('VBV buffer') })
    .strict(),
  z
    .object({
      mode: z.literal('crf'),
      crf: z.number().min(0).max(51).describe('constant quality (lower is better; x264/x265 scale)'),
      maxrateKbps: kbps('VBV cap'),
      bufsizeKbps: kbps('VBV buffer'),
    })
    .strict(),
]);

export const templateRungSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'letters, digits, - and _, at most 32, starting with a letter or digit')
      .describe('rendition name, unique in the template; its folder in the outputs'),
    codec: z.enum(['h264', 'hevc']),
    width: z.number().int().min(16).max(8192).describe('bounding box width (landscape; swapped for portrait masters)'),
    height: z.number().int().min(16).max(8192).describe('bounding box height'),
    rate: rateControlSchema,
    profile: z.enum(['baseline', 'main', 'high', 'main10']),
    maxLevel: z
      .string()
      .regex(/^\d(\.\d)?$/, 'a level such as 4.1')
      .nullable()
      .default(null)
      .describe('highest level the rung may need; null: any'),
    range: z.enum(['sdr', 'hdr']).default('sdr').describe('hdr: carry the master HDR10/HLG through (HEVC main10 only)'),
  })
  .strict();

export const loudnessSchema = z
  .object({
    standard: z.enum(['ebu-r128', 'atsc-a85', 'custom']),
    integratedLufs: z.number().min(-70).max(-5),
    truePeakDbtp: z.number().min(-9).max(0),
    lra: z.number().min(1).max(50),
  })
  .strict();

export const templateAudioSchema = z
  .object({
    select: z.discriminatedUnion('by', [
      z.object({ by: z.literal('all') }).strict(),
      z
        .object({ by: z.literal('language'), languages: z.array(z.string().min(2).max(35)).min(1).max(32) })
        .strict()
        .describe('ISO 639 or BCP 47 codes'),
      z
        .object({ by: z.literal('index'), tracks: z.array(z.number().int().min(0).max(63)).min(1).max(32) })
        .strict()
        .describe('positions among the audio tracks, 0-based'),
    ]),
    missing: z.enum(['refuse', 'skip']).default('refuse'),
    stereo: z.object({ bitrateKbps: z.number().int().min(32).max(512) }).strict(),
    surround: z
      .object({ codec: z.enum(['eac3', 'ac3', 'aac']), bitrateKbps: z.number().int().min(96).max(1536) })
      .strict()
      .nullable()
      .default(null),
    loudness: loudnessSchema.nullable().default(null),
  })
  .strict();

export const templateCaptionsSchema = z
  .object({
    sidecars: z.boolean().default(true),
    embedded: z.enum(['extract', 'ignore']).default('extract'),
    dashFormat: z.enum(['webvtt', 'imsc1']).default('webvtt'),
    invalid: z.enum(['refuse', 'skip']).default('refuse'),
  })
  .strict();

export const ladderTemplateSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, - and _, at most 64')
      .describe('the template name jobs submit with'),
    description: z.string().max(500).default(''),
    gopSeconds: z.number().int().min(1).max(10).default(2).describe('segment and closed-GOP length, seconds'),
    bFrames: z.number().int().min(0).max(8).default(2),
    encoderPreset: z
      .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'])
      .default('medium')
      .describe('x264/x265 speed preset of every rung: slower is smaller at the same quality'),
    maxFrameRate: z.number().int().min(12).max(120).default(60),
    rungs: z.array(templateRungSchema).min(1, 'a template needs at least one rung').max(16),
    hdr: z
      .object({
        sdrRungFromHdrMaster: z.enum(['tonemap', 'refuse']).default('tonemap'),
        hdrRungOnSdrMaster: z.enum(['refuse', 'skip', 'sdr']).default('skip'),
      })
      .strict()
      .default({ sdrRungFromHdrMaster: 'tonemap', hdrRungOnSdrMaster: 'skip' }),
    audio: templateAudioSchema.default({ select: { by: 'all' }, missing: 'skip', stereo: { bitrateKbps: 128 }, surround: null, loudness: null }),
    captions: templateCaptionsSchema.default({ sidecars: true, embedded: 'extract', dashFormat: 'webvtt', invalid: 'refuse' }),
    packaging: z
      .array(z.enum(['hls', 'dash']))
      .min(1)
      .max(2)
      .default(['hls', 'dash']),
    partialLadder: z.enum(['wait', 'emit']).nullable().default(null),
    quality: z
      .object({
        sample: z.union([z.object({ segments: z.number().int().min(1).max(1000) }).strict(), z.literal('all')]).default({ segments: 3 }),
        thresholds: z
          .object({
            psnr: z.number().min(0).max(100).describe('minimum mean PSNR, dB'),
            ssim: z.number().min(0).max(1).describe('minimum mean SSIM (All)'),
            xpsnr: z.number().min(0).max(100).describe('minimum mean XPSNR, dB'),
          })
          .partial()
          .strict()
          .default({}),
        onBelow: z.enum(['fail', 'partial']).default('fail'),
      })
      .strict()
      .nullable()
      .optional()
      .describe('the quality gate (docs/quality.md); absent: measured on 3 segments, not gated'),
    acceptedFormats: z
      .object({
        maxWidth: z.number().int().min(16).max(16384),
        maxHeight: z.number().int().min(16).max(16384),
        minWidth: z.number().int().min(1).max(16384),
        minHeight: z.number().int().min(1).max(16384),
        minDurationSeconds: z.number().min(0),
        maxDurationSeconds: z.number().min(0),
        maxFrameRate: z.number().min(1).max(1000),
        allowHdr: z.boolean(),
      })
      .partial()
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

/** What a client sends (defaults may be left out). */
export type LadderTemplateInput = z.input<typeof ladderTemplateSchema>;
/** A complete template, defaults filled. */
export type LadderTemplateBody = z.output<typeof ladderTemplateSchema>;

/** One stored version, as answered. */
export const ladderVersionSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  sha256: z.string(),
  builtin: z.boolean(),
  createdAt: z.string(),
  createdBy: z.string(),
  template: ladderTemplateSchema,
});

/** `GET /api/v1/ladders`: the latest version of each template. */
export const ladderList = z.object({ items: z.array(ladderVersionSchema) });

/** `GET /api/v1/ladders/{name}`: the latest version and the list of versions. */
export const ladderDetail = ladderVersionSchema.extend({
  versions: z.array(z.object({ version: z.number().int(), sha256: z.string(), createdAt: z.string(), createdBy: z.string() })),
});

export type LadderVersionView = z.infer<typeof ladderVersionSchema>;
export type LadderList = z.infer<typeof ladderList>;
export type LadderDetail = z.infer<typeof ladderDetail>;
