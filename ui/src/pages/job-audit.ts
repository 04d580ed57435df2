// What the job detail reads out of the job's audit events: processes, probe, plan.
import type { AuditEvent } from '../api';

export interface ProcessRecord {
  argv: string[];
  pid?: number;
  imageId?: string;
  exitCode: number | null;
  signal: string | null;
  outcome?: string;
  errorCode?: string | null;
  message?: string | null;
  stderrTail?: string;
  startedAt?: string;
  endedAt?: string;
}

export interface ProcessRun {
  seq: number;
  type: string;
  taskId: string | undefined;
  kind: string | undefined;
  rendition: string | null;
  attempt: number | undefined;
  process: ProcessRecord;
}

type RunPayload = {
  taskId?: string;
  kind?: string;
  rendition?: string | null;
  attempt?: number;
  pid?: number;
  argv?: string[];
  imageId?: string;
  startedAt?: string;
  process?: ProcessRecord;
  processes?: ProcessRecord[];
};

/**
 * Every process the audit trail records for the job, in order (package tasks run several):
 * each ended one with its exit, and each started one (`process.started`) that has no end
 * recorded yet — running now, or cut short by a crash (outcome `started`).
 */
export function processRuns(events: AuditEvent[]): ProcessRun[] {
  const runs: ProcessRun[] = [];
  const ended = new Set<string>();
  for (const e of events) {
    const p = e.payload as RunPayload;
    // A failed package attempt records its processes as `process.processes`.
    const nested = (p.process as { processes?: ProcessRecord[] } | undefined)?.processes;
    const list = p.processes ?? nested ?? (p.process ? [p.process] : []);
    for (const proc of list) {
      if (!proc || !Array.isArray(proc.argv)) continue;
      if (proc.pid !== undefined) ended.add(`${p.taskId}:${proc.pid}`);
      runs.push({
        seq: e.seq,
        type: e.type,
        taskId: p.taskId,
        kind: p.kind ?? (e.type === 'job.probed' ? 'probe' : undefined),
        rendition: p.rendition ?? null,
        attempt: p.attempt,
        process: proc,
      });
    }
  }
  for (const e of events) {
    const p = e.payload as RunPayload;
    if (e.type !== 'process.started' || !Array.isArray(p.argv) || ended.has(`${p.taskId}:${p.pid}`)) continue;
    const proc: ProcessRecord = {
      argv: p.argv,
      exitCode: null,
      signal: null,
      outcome: 'started',
      ...(p.pid !== undefined ? { pid: p.pid } : {}),
      ...(p.imageId ? { imageId: p.imageId } : {}),
      ...(p.startedAt ? { startedAt: p.startedAt } : {}),
    };
    runs.push({ seq: e.seq, type: e.type, taskId: p.taskId, kind: p.kind, rendition: p.rendition ?? null, attempt: p.attempt, process: proc });
  }
  return runs.sort((a, b) => a.seq - b.seq);
}

export interface FfprobeJson {
  format?: { format_name?: string; format_long_name?: string; duration?: string; size?: string; bit_rate?: string };
  streams?: Array<{
    index: number;
    codec_type?: string;
    codec_name?: string;
    profile?: string;
    width?: number;
    height?: number;
    r_frame_rate?: string;
    avg_frame_rate?: string;
    pix_fmt?: string;
    field_order?: string;
    channels?: number;
    channel_layout?: string;
    sample_rate?: string;
    bit_rate?: string;
    tags?: { language?: string };
  }>;
}

export interface Plan {
  preset: string;
  sourceWidth: number;
  sourceHeight: number;
  durationSeconds: number | null;
  frameRate: { num: number; den: number } | [number, number] | string;
  gopSeconds: number;
  gopFrames: number;
  bFrames: number;
  deinterlace: boolean;
  rungs: Array<{
    name: string;
    width: number;
    height: number;
    bitrateKbps: number;
    maxrateKbps: number;
    bufsizeKbps: number;
    profile: string;
    level: string;
    codecs: string;
  }>;
  audio: { codec: string; bitrateKbps: number; channels: number; sampleRate: number; language: string | null } | null;
  notes: string[];
}

export function probeOf(events: AuditEvent[]): { ffprobe: FfprobeJson; verdict: { accepted: boolean; reasons?: unknown[] } } | undefined {
  const e = events.find((x) => x.type === 'job.probed');
  return e ? (e.payload as { ffprobe: FfprobeJson; verdict: { accepted: boolean; reasons?: unknown[] } }) : undefined;
}

export function planOf(events: AuditEvent[]): Plan | undefined {
  const e = [...events].reverse().find((x) => x.type === 'job.planned');
  return e ? (e.payload as { plan: Plan }).plan : undefined;
}

export function rate(r: Plan['frameRate'] | undefined): string {
  if (r === undefined) return '—';
  if (typeof r === 'string') return r;
  const [num, den] = Array.isArray(r) ? r : [r.num, r.den];
  return den === 1 ? String(num) : (num / den).toFixed(3);
}
