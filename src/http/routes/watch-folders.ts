import { Hono } from 'hono';
import type { IngestRecord } from '../../store/ingests.js';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import type { WatchFolderList } from '../schemas/watch-folders.js';

export interface WatchFolderSummary {
  path: string;
  ladder: string;
  packaging: string[];
}

const RECENT = 20;

const recentItem = (i: IngestRecord): WatchFolderList['items'][number]['recent'][number] => ({
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
    const items: WatchFolderList['items'] = [];
    for (const folder of folders) {
      const root = folder.path.replace(/\/+$/, '') || '/';
      const recent = await store.ingests.recent(root, RECENT);
      items.push({ path: folder.path, ladder: folder.ladder, packaging: [...folder.packaging], recent: recent.map(recentItem) });
    }
    return c.json({ items } satisfies WatchFolderList);
  });
}
