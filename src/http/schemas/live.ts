import { z } from 'zod';
import { jobStates, taskKinds, taskStates } from './states.js';

/**
 * The messages of `GET /ws` (subprotocol `mpegflow.v1`), one JSON text message each: the
 * greeting, then the live events a client may hear (webhook bookkeeping stays inside).
 * The route checks what it sends against these types; the UI reads them.
 */
export const liveHello = z.object({
  type: z.literal('hello'),
  protocol: z.literal('mpegflow.v1'),
  job: z.string().nullable().describe('the job the connection is narrowed to (`?job=`), or null'),
  progressIntervalMs: z.number().int().describe('minimum time between two progress messages of one job'),
});

const taskRef = { at: z.string(), jobId: z.string(), taskId: z.string(), kind: z.enum(taskKinds) };

export const liveEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('job.state'),
    at: z.string(),
    jobId: z.string(),
    state: z.enum(jobStates),
    progress: z.number(),
    errorCode: z.string().nullable().optional(),
  }),
  z.object({
    type: z.literal('task.state'),
    ...taskRef,
    rendition: z.string().nullable(),
    state: z.enum(taskStates),
    attempt: z.number().int(),
    errorCode: z.string().nullable().optional(),
  }),
  z.object({
    type: z.literal('task.progress'),
    ...taskRef,
    rendition: z.string().nullable(),
    fraction: z.number().nullable(),
    fps: z.number().nullable(),
    speed: z.number().nullable(),
  }),
  z.object({
    type: z.literal('task.finished'),
    ...taskRef,
    pool: z.string(),
    seconds: z.number(),
    outcome: z.string(),
    fps: z.number().nullable().optional(),
  }),
]);

export const liveMessage = z.union([liveHello, liveEvent]);

export type LiveHello = z.infer<typeof liveHello>;
export type LiveEvent = z.infer<typeof liveEvent>;
export type LiveMessage = z.infer<typeof liveMessage>;
