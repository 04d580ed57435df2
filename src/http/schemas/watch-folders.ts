import { z } from 'zod';

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

export type WatchFolderList = z.infer<typeof watchFolderList>;
