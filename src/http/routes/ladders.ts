import { Hono } from 'hono';
import { ladderPresets, type LadderPreset } from '../../media/ladder-presets.js';
import type { HttpEnv } from '../http-env.js';
import { requireRole } from '../middleware/auth.js';
import type { Ladder, LadderList } from '../schemas/ladders.js';

function view(preset: LadderPreset): Ladder {
  return { ...preset, rungs: preset.rungs.map((r) => ({ ...r })), audio: { ...preset.audio } };
}

/** `GET /api/v1/ladders` (any role): the ladder presets a job can name, rungs smallest first. */
export function ladderRoutes() {
  return new Hono<HttpEnv>().get('/ladders', requireRole('admin', 'operator', 'viewer', 'auditor'), (c) =>
    c.json({ items: Object.values(ladderPresets).map(view) } satisfies LadderList),
  );
}
