import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ApplianceError, messageOf } from '../errors/appliance-error.js';
import type { JobDetail } from '../runtime/job-runtime.js';
import type { Config } from '../config/schema.js';
import { api, connect, upload, type ClientOptions, type Connection } from './api-client.js';
import { parseCaptionArgs } from './caption-args.js';
import { ProgressLine } from './submit-progress.js';

export interface SubmitOptions extends ClientOptions {
  file: string;
  ladder: string;
  /** `--ladder-version N`: the template version to pin; default: its newest. */
  ladderVersion?: number;
  /** `--packaging`; default: the template's. */
  packaging?: Array<'hls' | 'dash'>;
  /** `--caption FILE[:LANG]`, each uploaded like the master and passed as the job's `captions`. */
  captions?: string[];
  wait: boolean;
  /** Poll interval of `--wait` (ms). */
  pollMs?: number;
}

export interface SubmitIo {
  print: (line: string) => void;
  stderr: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Loaded only when the URL or the token must come from the configuration. */
  config: () => Promise<Config>;
}

const TERMINAL = ['completed', 'partial', 'failed', 'cancelled'];

/** The size of a regular file, or FILE_UNREADABLE / USAGE naming it. */
async function fileSize(file: string): Promise<number> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new ApplianceError('USAGE', `${file} is not a file`);
    return s.size;
  } catch (err) {
    if (err instanceof ApplianceError) throw err;
    throw new ApplianceError('FILE_UNREADABLE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
  }
}

/** LADDER_UNKNOWN / LADDER_VERSION_UNKNOWN before any upload. */
async function checkLadder(conn: Connection, name: string, version: number | undefined): Promise<void> {
  const ladders = (await api<{ items: Array<{ name: string; version: number }> }>(conn, 'GET', '/api/v1/ladders', 'submit')).body.items;
  const latest = ladders.find((l) => l.name === name);
  if (!latest) {
    throw new ApplianceError('LADDER_UNKNOWN', `submit: LADDER_UNKNOWN: unknown ladder "${name}" (known: ${ladders.map((l) => l.name).join(', ')})`);
  }
  if (version !== undefined) await api(conn, 'GET', `/api/v1/ladders/${encodeURIComponent(name)}/versions/${version}`, 'submit');
}

/**
 * `mpegflow submit FILE [--ladder NAME] [--ladder-version N] [--caption FILE[:LANG]]... [--wait]`:
 * stdout is the job id (and with --wait the final state); the pinned template version goes to
 * stderr with the job id. Exit 0 (1 with --wait unless the job completed).
 */
/** While waiting: the chunks done of a chunked encode and the estimated time left. */
function statusDetail(job: JobDetail): string {
  const chunks = job.chunking?.chunked ? job.chunking.chunks : [];
  const done = chunks.filter((c) => c.state === 'succeeded').length;
  const parts = [
    ...(chunks.length && job.state === 'encoding' ? [`chunks ${done}/${chunks.length}`] : []),
    ...(job.etaSeconds !== null && job.etaSeconds !== undefined ? [`about ${formatEta(job.etaSeconds)} left`] : []),
  ];
  return parts.length ? ` (${parts.join(', ')})` : '';
}

const formatEta = (s: number): string => (s < 90 ? `${Math.max(1, Math.round(s))} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

export async function submitCommand(options: SubmitOptions, io: SubmitIo, env: NodeJS.ProcessEnv): Promise<number> {
  const name = basename(options.file);
  const captions = parseCaptionArgs(options.captions ?? [], name);
  const size = await fileSize(options.file);
  const captionSizes = await Promise.all(captions.map((c) => fileSize(c.file)));
  const conn = await connect(options, io.config, env);
  // Before a long upload: the server is up, the token works and may submit, the ladder (and version) exists.
  const me = (await api<{ role: string }>(conn, 'GET', '/api/v1/whoami', 'submit')).body;
  if (me.role !== 'admin' && me.role !== 'operator') {
    throw new ApplianceError('FORBIDDEN', `submit: FORBIDDEN: the token's role ${me.role} may not submit jobs (needs operator or admin)`);
  }
  await checkLadder(conn, options.ladder, options.ladderVersion);
  const progress = new ProgressLine(io.stderr);
  const uploaded = await upload(conn, options.file, name, size, progress);
  progress.done(`uploaded ${uploaded.key} (${uploaded.size} bytes, sha256 ${uploaded.sha256})`);
  const captionBodies: Array<{ key: string; language?: string }> = [];
  for (const [i, caption] of captions.entries()) {
    const sent = await upload(conn, caption.file, caption.key, captionSizes[i] ?? 0, progress);
    progress.done(`uploaded ${sent.key} (${sent.size} bytes, sha256 ${sent.sha256}; captions, language ${caption.language ?? 'none'})`);
    captionBodies.push({ key: sent.key, ...(caption.language !== null ? { language: caption.language } : {}) });
  }
  const submitted = await api<JobDetail>(conn, 'POST', '/api/v1/jobs', 'submit', {
    input: { key: uploaded.key },
    ladder: options.ladder,
    ...(options.ladderVersion !== undefined ? { ladderVersion: options.ladderVersion } : {}),
    ...(options.packaging !== undefined ? { packaging: options.packaging } : {}),
    ...(captionBodies.length ? { captions: captionBodies } : {}),
  });
  const job = submitted.body;
  // stdout stays the job id alone (scripts read it); what it pinned goes beside the progress.
  io.stderr.write(
    `submitted ${job.id}: ladder ${job.ladder} version ${job.ladderVersion}, ${job.packaging.join('+')}${captionBodies.length ? `, ${captionBodies.length} caption file${captionBodies.length === 1 ? '' : 's'}` : ''}\n`,
  );
  io.print(job.id);
  if (!options.wait) return 0;

  let last = job;
  while (!TERMINAL.includes(last.state)) {
    progress.update(last.progress, `${last.id} ${last.state}${statusDetail(last)}`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    last = (await api<JobDetail>(conn, 'GET', `/api/v1/jobs/${encodeURIComponent(job.id)}`, 'job status')).body;
  }
  progress.done(`${last.id} ${last.state}${last.error ? `: ${last.error.code}: ${last.error.message}` : ''}`);
  for (const q of last.quality ?? [])
    io.stderr.write(
      `quality ${q.rendition}: PSNR ${q.psnr?.mean.toFixed(2) ?? '-'} dB, SSIM ${q.ssim?.mean.toFixed(4) ?? '-'}, XPSNR ${q.xpsnr?.mean.toFixed(2) ?? '-'} dB${q.passed ? '' : ` (below: ${q.below.join(', ')})`}\n`,
    );
  io.print(last.state);
  return last.state === 'completed' ? 0 : 1;
}
