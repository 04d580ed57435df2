import type { JobState, TaskKind, TaskState } from '../store/jobs.js';

/** Live events: what `/ws`, webhooks and metrics hear. Audit events are the durable record. */
export type ApplianceEvent =
  | { type: 'job.state'; at: string; jobId: string; state: JobState; progress: number; errorCode?: string | null }
  | {
      type: 'task.state';
      at: string;
      jobId: string;
      taskId: string;
      kind: TaskKind;
      rendition: string | null;
      state: TaskState;
      attempt: number;
      errorCode?: string | null;
    }
  | {
      type: 'task.progress';
      at: string;
      jobId: string;
      taskId: string;
      kind: TaskKind;
      rendition: string | null;
      fraction: number | null;
      fps: number | null;
      speed: number | null;
    }
  | { type: 'task.finished'; at: string; jobId: string; taskId: string; kind: TaskKind; pool: string; seconds: number; outcome: string; fps?: number | null }
  /** A webhook delivery attempt ended (metrics; not sent to /ws or webhooks). */
  | {
      type: 'webhook.delivery';
      at: string;
      webhookId: string;
      deliveryId: string;
      attempt: number;
      status: 'delivered' | 'retrying' | 'failed';
      responseCode: number | null;
    };

export type ApplianceEventType = ApplianceEvent['type'];
