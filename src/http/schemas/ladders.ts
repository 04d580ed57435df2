import { z } from 'zod';

/** `GET /api/v1/ladders`: the ladder presets a job can name, rungs smallest first. */
export const ladderSchema = z.object({
  name: z.string(),
  videoCodec: z.literal('h264'),
  gopSeconds: z.number(),
  bFrames: z.number().int(),
  rungs: z.array(
    z.object({
      name: z.string(),
      boxWidth: z.number().int(),
      boxHeight: z.number().int(),
      bitrateKbps: z.number(),
      maxrateKbps: z.number(),
      bufsizeKbps: z.number(),
      profile: z.string(),
    }),
  ),
  audio: z.object({ codec: z.literal('aac'), bitrateKbps: z.number(), channels: z.number().int(), sampleRate: z.number().int() }),
});

export const ladderList = z.object({ items: z.array(ladderSchema) });

export type Ladder = z.infer<typeof ladderSchema>;
export type LadderList = z.infer<typeof ladderList>;
