import { Hono } from 'hono';
import { z } from 'zod';
import { ladderPresets, type LadderPreset } from '../../media/ladder-presets.js';
import type { HttpEnv } from '../http-env.js';
import { requireRole } from '../middleware/auth.js';

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

function view(preset: LadderPreset): z.infer<typeof ladderSchema> {
  return { ...preset, rungs: preset.rungs.map((r) => ({ ...r })), audio: { ...preset.audio } };
}

/** `GET /api/v1/ladders` (any role): the ladder presets a job can name, rungs smallest first. */
export function ladderRoutes() {
  return new Hono<HttpEnv>().get('/ladders', requireRole('admin', 'operator', 'viewer', 'auditor'), (c) =>
    c.json({ items: Object.values(ladderPresets).map(view) }),
  );
}
