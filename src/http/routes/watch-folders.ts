import { Hono } from 'hono';
import { z } from 'zod';
import type { IngestRecord } from '../../store/ingests.js';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';

export interface WatchFolderSummary {
  path: string;
  ladder: string;
  packaging: string[];
}

const RECENT = 20;

/** The response of `GET /api/v1/watch-folders` (the UI reads exactly this shape). */
export const watchFolderList = z.object({
  items: z.array(
    z.object({
      path: z.string(),
      ladder: z.string(),
      packaging: z.array(z.string()),
      recent: z
        .array(
          z.object({
            name: z.string(),
            state: z.enum(['detected', 'claimed', 'submitted', 'done', 'failed']),
            jobId: z.string().nullable(),
            at: z.string().describe('ISO-8601 time of the last change'),
            error: z.object({ code: z.string(), message: z.string() }).nullable(),
          }),
        )
        .describe('the last 20 ingests, newest first'),
    }),
  ),
});

const recentItem = (i: IngestRecord): z.infer<typeof watchFolderList>['items'][number]['recent'][number] => ({
  name: i.name,
  state: i.state,
  jobId: i.jobId,
  at: i.updatedAt,
  error: i.errorCode ? { code: i.errorCode, message: i.errorMessage ?? '' } : null,
});

/**
 * `GET /api/v1/watch-folders` (any authenticated role): the configured folders and, for each,
 * its last 20 ingests, newest first.
 */
export function watchFolderRoutes(store: Store, folders: readonly WatchFolderSummary[]) {
  return new Hono<HttpEnv>().get('/watch-folders', async (c) => {
    const items: z.infer<typeof watchFolderList>['items'] = [];
    for (const folder of folders) {
      const root = folder.path.replace(/\/+$/, '') || '/';
      const recent = await store.ingests.recent(root, RECENT);
      items.push({ path: folder.path, ladder: folder.ladder, packaging: [...folder.packaging], recent: recent.map(recentItem) });
    }
    return c.json({ items } satisfies z.infer<typeof watchFolderList>);
  });
}
