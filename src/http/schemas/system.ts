import { z } from 'zod';

/** `GET /api/v1/pools`: each pool's cores, slots, running and queued tasks, limits. */
export const poolSchema = z.object({
  name: z.enum(['probe', 'encode', 'package']),
  cores: z.array(z.number().int()),
  slots: z.number().int(),
  running: z.number().int(),
  queued: z.number().int(),
  memoryLimitBytes: z.number(),
  timeoutSeconds: z.number(),
});
export const poolList = z.object({ items: z.array(poolSchema) });

/** `GET /api/v1/system/host`: host CPU, memory and the data dir's disk. */
export const hostStatusSchema = z.object({
  cpu: z.object({ cores: z.number().int(), loadPercent: z.number(), perCore: z.array(z.number()), loadAverage: z.array(z.number()) }),
  memory: z.object({ totalBytes: z.number(), usedBytes: z.number(), availableBytes: z.number() }),
  disk: z.object({
    path: z.string(),
    mount: z.string().nullable(),
    totalBytes: z.number().nullable(),
    usedBytes: z.number().nullable(),
    availableBytes: z.number().nullable(),
  }),
});

/** `GET /api/v1/encoders`: the registered encoder images, the default first. */
export const encoderSchema = z.object({
  id: z.string().describe('sha256 of the image manifest'),
  name: z.string(),
  version: z.string(),
  state: z.enum(['verified', 'unverified']),
  default: z.boolean(),
  source: z.string().describe('how the image was made (manifest source.kind)'),
  configuration: z.string().describe("FFmpeg's configure line"),
  files: z.number().int(),
  bytes: z.number(),
  importedAt: z.string(),
  verifiedAt: z.string().nullable(),
});
export const encoderList = z.object({ items: z.array(encoderSchema), default: z.string().nullable() });

/** `GET /api/v1/webhooks` (admin, auditor): targets, never their secrets. */
export const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  source: z.enum(['config', 'api']),
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
});
export const webhookList = z.object({ items: z.array(webhookSchema) });

/** `GET /api/v1/webhooks/{id}/deliveries`: one row per (webhook, event), newest first. */
export const deliverySchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  eventSeq: z.number().int(),
  eventType: z.string(),
  jobId: z.string().nullable(),
  body: z.unknown().describe('the JSON body sent'),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempt: z.number().int(),
  responseCode: z.number().int().nullable(),
  error: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export const deliveryList = z.object({ items: z.array(deliverySchema) });

export type Pool = z.infer<typeof poolSchema>;
export type PoolList = z.infer<typeof poolList>;
export type HostStatus = z.infer<typeof hostStatusSchema>;
export type Encoder = z.infer<typeof encoderSchema>;
export type EncoderList = z.infer<typeof encoderList>;
export type Webhook = z.infer<typeof webhookSchema>;
export type WebhookList = z.infer<typeof webhookList>;
export type Delivery = z.infer<typeof deliverySchema>;
export type DeliveryList = z.infer<typeof deliveryList>;
