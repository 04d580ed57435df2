// Chunked-encoding benchmark (npm run bench:chunked): in ONE run, on one generated long 1080p25
// master (cached), the REAL runtime (SQLite, embedded objects, the signed FFmpeg 7.1 test image,
// the appliance's default pools for this host) encodes the same job with a custom ladder
// (1080p/720p/360p H.264 + AAC, HLS + DASH):
//   unchunked        chunking.enabled = false: one encode task for the whole ladder;
//   chunked          the default chunking (chunks of ~60 s on the output GOP grid, audio once, stitch);
//   chunked-slots2   the same with pools.encode.slots = 2 (two chunks at once on this host).
// Then, outside the timed part, it reads the audit trail (per-task times: task.started →
// task.succeeded), the stitch reports (frames, keyframes, VBV), counts the packets of every
// published CMAF rung (init + segments) with ffprobe, and measures PSNR of every published rung
// against the master put through the rung's own encode chain (ladderFilterGraph: the very
// scale the encode used) over the WHOLE programme, one ffmpeg per arm.
//
// Env: CHUNKED_BENCH_SECONDS (600), CHUNKED_BENCH_PRESET (ultrafast; the template's encoderPreset),
//      CHUNKED_BENCH_ARMS (unchunked,chunked,chunked-slots2), CHUNKED_BENCH_QUALITY_SAMPLE
//      (all | N: the template's quality.sample; the runtime's quality gate runs in the package
//      task of every arm), CHUNKED_BENCH_PSNR (1; 0 skips the bench's own PSNR pass),
//      CHUNKED_BENCH_THRESHOLD / CHUNKED_BENCH_CHUNK (chunking.thresholdSeconds / chunkSeconds: the
//      appliance defaults, 300 / 60, unless set; a smoke run on a short master sets both),
//      CHUNKED_BENCH_PSNR_FROM / CHUNKED_BENCH_PSNR_SECONDS (the bench's own PSNR over N s from
//      this second only, e.g. 40 / 40 straddles the first join; unset: the whole programme),
//      CHUNKED_BENCH_KEEP=1 (keep the run's store and objects), CHUNKED_BENCH_DIR.
import { spawn } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, readFile } from 'node:fs/promises';
import { readHostFacts } from '../src/config/host.js';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { EventBus } from '../src/events/event-bus.js';
import { imageIdOf } from '../src/images/image-manifest.js';
import { createLogger } from '../src/log/logger.js';
import { ladderFilterGraph } from '../src/media/filter-graph.js';
import type { LadderPlan } from '../src/media/ladder-plan.js';
import type { EncoderPreset, LadderTemplate, TemplateRung } from '../src/media/ladder-template.js';
import { professionalTemplate } from '../src/media/builtin-templates.js';
import { saveTemplate } from '../src/runtime/ladder-templates.js';
import { createJobRuntime } from '../src/runtime/runtime.js';
import { encodeInput } from '../src/runtime/task-payloads.js';
import { generateSigningKey, signDetached } from '../src/signing/openpgp-keys.js';
import { EmbeddedStore } from '../src/storage/embedded-store.js';
import type { AuditEvent } from '../src/store/store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { Supervisor } from '../src/supervisor/supervisor.js';
import { testImage } from '../test/helpers/ffmpeg-image.js';

const seconds = Number(process.env.CHUNKED_BENCH_SECONDS ?? 600);
const preset = (process.env.CHUNKED_BENCH_PRESET ?? 'ultrafast') as EncoderPreset;
const arms = (process.env.CHUNKED_BENCH_ARMS ?? 'unchunked,chunked,chunked-slots2').split(',').filter(Boolean);
const sampleEnv = process.env.CHUNKED_BENCH_QUALITY_SAMPLE ?? 'all';
const qualitySample: 'all' | { segments: number } = sampleEnv === 'all' ? 'all' : { segments: Number(sampleEnv) };
const measurePsnr = process.env.CHUNKED_BENCH_PSNR !== '0';
/** PSNR over the first this many seconds only (whole programme when unset): covers the joins in it at a fraction of the cost. */
const psnrSeconds = process.env.CHUNKED_BENCH_PSNR_SECONDS ? Number(process.env.CHUNKED_BENCH_PSNR_SECONDS) : null;
const psnrFrom = Number(process.env.CHUNKED_BENCH_PSNR_FROM ?? 0);
const root = process.env.CHUNKED_BENCH_DIR ?? join(tmpdir(), 'mpegflow-bench-chunked');
mkdirSync(root, { recursive: true });
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

// ---- the image: the test image (built from the committed lock, cached), copied and signed for this run
const source = await testImage();
const imageDir = join(root, 'image');
rmSync(imageDir, { recursive: true, force: true });
cpSync(source.dir, imageDir, { recursive: true, preserveTimestamps: true });
const manifestBytes = readFileSync(join(imageDir, 'manifest.json'));
const key = await generateSigningKey({ name: 'chunked bench' });
writeFileSync(join(imageDir, 'manifest.json.asc'), await signDetached(key.privateArmored, manifestBytes));
const imageId = imageIdOf(manifestBytes);
const trust = { keys: [{ fingerprint: key.fingerprint, source: 'bench', armored: key.publicArmored }] };

function run(bin: 'ffmpeg' | 'ffprobe', args: string[]): Promise<{ stdout: string; stderr: string }> {
  const [file, ...pre] = source.argv(bin);
  return new Promise((resolve, reject) => {
    const child = spawn(file!, [...pre, ...(bin === 'ffmpeg' ? ['-nostdin'] : []), ...args], { env: { LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d).slice(-20000)));
    child.on('exit', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`${bin} exited ${code}: ${stderr.slice(-4000)}`))));
  });
}

// ---- the master: testsrc2 with temporal noise (not trivially compressible), H.264 10 Mb/s with a
// keyframe every 2 s (no scene cut), stereo AAC; generated once and cached.
const master = join(root, `master-1080p25-${seconds}s.mp4`);
if (!existsSync(master)) {
  log(`generating a ${seconds} s 1080p25 master (this takes about as long as the programme on 2 cores)…`);
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=25:duration=${seconds},noise=alls=6:allf=t`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}:sample_rate=48000`],
    ...['-ac', '2', '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '10M', '-maxrate', '14M', '-bufsize', '20M'],
    ...['-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '192k'],
    ...['-shortest', '-movflags', '+faststart', `${master}.tmp.mp4`],
  ]);
  cpSync(`${master}.tmp.mp4`, master);
  rmSync(`${master}.tmp.mp4`);
}

// ---- one store and one object store for the run; each arm its own runtime, supervisor and config
const runDir = join(root, `run-${Date.now()}`);
mkdirSync(join(runDir, 'scratch'), { recursive: true });
const store = new SqliteStore({ path: join(runDir, 'mpegflow.db') });
const objects = new EmbeddedStore({ root: join(runDir, 'objects') });
await objects.open();
await store.change(async (tx) => {
  await tx.images.insert({
    id: imageId,
    name: 'debian-ffmpeg-7.1',
    version: 'bench',
    path: imageDir,
    manifest: manifestBytes.toString('utf8'),
    state: 'verified',
    verifiedAt: new Date().toISOString(),
  });
  await tx.audit({ type: 'encoder_image.imported', actor: 'bench', payload: { id: imageId } });
});
log('putting the master into the object store…');
await objects.put('input', 'master.mp4', createReadStream(master, { highWaterMark: 4 << 20 }));

const rung = (name: string, width: number, height: number, kbps: number, profile: 'main' | 'high'): TemplateRung => ({
  name,
  codec: 'h264',
  width,
  height,
  rate: { mode: 'vbr', bitrateKbps: kbps, maxrateKbps: Math.round(kbps * 1.2), bufsizeKbps: kbps * 2 },
  profile,
  maxLevel: null,
  range: 'sdr',
});
const template: LadderTemplate = {
  ...professionalTemplate,
  name: 'chunk-bench',
  description: 'chunked-encoding bench: 1080p/720p/360p H.264',
  encoderPreset: preset,
  rungs: [rung('360p', 640, 360, 800, 'main'), rung('720p', 1280, 720, 3000, 'high'), rung('1080p', 1920, 1080, 6000, 'high')],
  quality: { sample: qualitySample, thresholds: {}, onBelow: 'fail' },
};
await saveTemplate(store, template, 'create', 'bench');

const defaults = loadConfig({ env: {}, host: await readHostFacts(), cwd: runDir });

interface Span {
  taskId: string;
  kind: string;
  part: string | null;
  chunk: number | null;
  attempt: number;
  start: number;
  end: number | null;
  outcome: string | null;
}
interface ArmResult {
  arm: string;
  jobId: string;
  state: string;
  error: unknown;
  wallSeconds: number;
  /** The host's 1-min load average at submit and at the end (this host is shared). */
  load: [number, number];
  auditWallSeconds: number | null;
  encodeSlots: number;
  chunking: unknown;
  spans: Span[];
  events: AuditEvent[];
  quality: unknown;
  plan: LadderPlan;
}

function spansOf(events: AuditEvent[]): Span[] {
  const spans: Span[] = [];
  for (const e of events) {
    const p = e.payload as Record<string, unknown>;
    if (e.type === 'task.started')
      spans.push({
        taskId: String(p['taskId']),
        kind: String(p['kind']),
        part: (p['part'] as string | undefined) ?? null,
        chunk: (p['chunk'] as number | undefined) ?? null,
        attempt: Number(p['attempt']),
        start: Date.parse(e.at),
        end: null,
        outcome: null,
      });
    else if (/^task\.(succeeded|failed|dead|interrupted|lease_expired)$/.test(e.type)) {
      const s = spans.findLast((x) => x.taskId === p['taskId'] && x.end === null);
      if (s) {
        s.end = Date.parse(e.at);
        s.outcome = e.type.slice(5);
      }
    }
  }
  return spans;
}

async function runArm(arm: string): Promise<ArmResult> {
  const chunked = arm !== 'unchunked';
  const slots = /slots(\d+)/.exec(arm)?.[1];
  const config: Pick<Config, 'pools' | 'policies' | 'chunking'> = {
    pools: { ...defaults.pools, encode: { ...defaults.pools.encode, ...(slots ? { slots: Number(slots) } : {}) } },
    policies: defaults.policies,
    chunking: {
      ...defaults.chunking,
      enabled: chunked,
      ...(process.env.CHUNKED_BENCH_THRESHOLD ? { thresholdSeconds: Number(process.env.CHUNKED_BENCH_THRESHOLD) } : {}),
      ...(process.env.CHUNKED_BENCH_CHUNK ? { chunkSeconds: Number(process.env.CHUNKED_BENCH_CHUNK) } : {}),
    },
  };
  const supervisor = new Supervisor({ ...defaults, ...config });
  const runtime = createJobRuntime({
    store,
    objects,
    supervisor,
    bus: new EventBus(),
    config,
    trust,
    logger: createLogger('silent'),
    scratchDir: join(runDir, 'scratch'),
    imagesDir: join(runDir, 'images'),
  });
  await runtime.start();
  log(
    `${arm}: submitting (encode pool: ${config.pools.encode.slots} slot(s) on cores ${config.pools.encode.cores.join(',')}; chunking ${chunked ? 'on' : 'off'})`,
  );
  const loadAtStart = loadavg()[0]!;
  const t0 = performance.now();
  const { job } = await runtime.submit({ input: { key: 'master.mp4' }, ladder: template.name, packaging: ['hls', 'dash'] }, { actor: 'bench' });
  let detail = await runtime.get(job.id);
  let last = '';
  while (!['completed', 'partial', 'failed', 'cancelled'].includes(detail.state)) {
    await new Promise((r) => setTimeout(r, 250));
    detail = await runtime.get(job.id);
    const now = `${detail.state} ${Math.round(detail.progress * 100)}%`;
    if (now !== last && Math.round(detail.progress * 100) % 10 === 0) log(`${arm}: ${now}`);
    last = now;
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const loadAtEnd = loadavg()[0]!;
  await runtime.stop();
  await supervisor.close();
  const events = await store.audit.list({ jobId: job.id });
  const submitted = events.find((e) => e.type === 'job.submitted');
  const ended = events.findLast((e) => ['job.completed', 'job.partial', 'job.failed'].includes(e.type));
  const tasks = await store.tasks.listByJob(job.id);
  const ladderTask = tasks.find((t) => t.kind === 'encode');
  log(`${arm}: ${detail.state} in ${wallSeconds.toFixed(1)} s (1-min load average ${loadAtStart.toFixed(1)} at submit, ${loadAtEnd.toFixed(1)} at the end)`);
  return {
    arm,
    jobId: job.id,
    state: detail.state,
    error: detail.error,
    wallSeconds,
    load: [loadAtStart, loadAtEnd],
    auditWallSeconds: submitted && ended ? (Date.parse(ended.at) - Date.parse(submitted.at)) / 1000 : null,
    encodeSlots: config.pools.encode.slots,
    chunking: detail.chunking,
    spans: spansOf(events),
    events,
    quality: detail.quality,
    plan: encodeInput(ladderTask!).plan,
  };
}

const results: ArmResult[] = [];
for (const arm of arms) results.push(await runArm(arm));

// ---- analysis (untimed)
const secs = (s: Span) => (s.end === null ? NaN : (s.end - s.start) / 1000);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : NaN);
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');

/** The published rung as one fragmented MP4: its init segment and media segments, in the HLS playlist's order. */
async function publishedRung(jobId: string, name: string, dir: string): Promise<string> {
  const path = async (k: string) => {
    const a = await objects.readAccess('output', `${jobId}/${k}`);
    if (a.kind !== 'path') throw new Error(`output ${k} is not a local path`);
    return a.path;
  };
  const playlist = readFileSync(await path(`hls/${name}.m3u8`), 'utf8').split('\n');
  const init = /URI="([^"]+)"/.exec(playlist.find((l) => l.startsWith('#EXT-X-MAP')) ?? '')?.[1];
  const segs = playlist.filter((l) => l && !l.startsWith('#'));
  const files = [init, ...segs].filter((x): x is string => !!x).map((u) => u.replace(/^\.\.\//, ''));
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.mp4`);
  const fh = await open(out, 'w');
  try {
    for (const f of files) await fh.write(await readFile(await path(f)));
  } finally {
    await fh.close();
  }
  return out;
}

async function countPackets(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-count_packets',
    '-show_entries',
    'stream=nb_read_packets',
    '-of',
    'csv=p=0',
    file,
  ]);
  return Number(stdout.trim());
}

interface Psnr {
  mean: number;
  min: number;
  frames: number;
  /** Mean over the frames within one GOP either side of a chunk start (other than the first). */
  nearBoundaryMean: number | null;
}

/** Every rung against the master through its own encode chain, one ffmpeg, the whole programme; per-frame psnr_avg (inf capped at 100). */
async function psnrOf(plan: LadderPlan, rungFiles: string[], dir: string, chunkStarts: number[]): Promise<Psnr[]> {
  const fps = `${plan.frameRate.num}/${plan.frameRate.den}`;
  const rate = `fps=fps=${fps},settb=expr=AVTB`;
  const stats = plan.rungs.map((r) => join(dir, `psnr-${r.name}.log`));
  const graph = [
    ladderFilterGraph(
      plan,
      plan.rungs.map((_, i) => i),
    ),
    ...plan.rungs.map(
      (r, i) => `[v${i}]${rate}[m${i}];[${i + 1}:v:0]format=yuv420p,${rate}[d${i}];[m${i}][d${i}]psnr=stats_file=${stats[i]}:shortest=1[q${i}]`,
    ),
  ].join(';');
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostats'],
    ...[master, ...rungFiles].flatMap((f) => [...(psnrFrom ? ['-ss', String(psnrFrom)] : []), ...(psnrSeconds ? ['-t', String(psnrSeconds)] : []), '-i', f]),
    ...['-filter_complex', graph],
    ...plan.rungs.flatMap((_, i) => ['-map', `[q${i}]`, '-f', 'null', '-']),
  ]);
  const gopFrames = Math.round((plan.gopSeconds * plan.frameRate.num) / plan.frameRate.den);
  return stats.map((file) => {
    const values = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const v = /psnr_avg:(\S+)/.exec(l)?.[1] ?? 'inf';
        return v === 'inf' ? 100 : Math.min(100, Number(v));
      });
    const first = Math.round((psnrFrom * plan.frameRate.num) / plan.frameRate.den);
    const near = values.filter((_, i) => chunkStarts.some((s) => s > 0 && first + i >= s - gopFrames && first + i < s + gopFrames));
    return { mean: mean(values), min: Math.min(...values), frames: values.length, nearBoundaryMean: near.length ? mean(near) : null };
  });
}

type StitchReports = Record<
  string,
  {
    ok: boolean;
    frames: number;
    keyframes: number;
    problems: unknown[];
    vbv: { underflows: number; minFullness: number; worstSeconds: number; worstNearBoundary: boolean };
  }
>;
interface Summary {
  arm: string;
  jobId: string;
  state: string;
  error: unknown;
  encodeSlots: number;
  wallSeconds: number;
  load: [number, number];
  auditWallSeconds: number | null;
  probeSeconds: number;
  encodeWholeLadderSeconds: number;
  chunkSeconds: number[];
  chunkMeanSeconds: number;
  audioSeconds: number;
  stitchSeconds: number;
  packageSeconds: number;
  attempts: number;
  notSucceeded: unknown[];
  stitchReports: StitchReports | null;
  publishedFrames: Record<string, number>;
  runtimeQuality: unknown;
  files: string[];
}
const summaries: Summary[] = [];
type PlannedChunking = { chunked: boolean; chunks: Array<{ startFrame: number; frames: number; startSeconds: number; endSeconds: number }> };
let planned: PlannedChunking | null = null;
for (const r of results) {
  const spans = r.spans.filter((s) => s.outcome === 'succeeded');
  const of = (kind: string, part?: string) => spans.filter((s) => s.kind === kind && (part === undefined ? true : s.part === part));
  const chunkSpans = of('encode', 'chunk').sort((a, b) => (a.chunk ?? 0) - (b.chunk ?? 0));
  const stitchEvt = r.events.find((e) => e.type === 'task.succeeded' && (e.payload as { kind?: string }).kind === 'stitch');
  const reports = (stitchEvt?.payload as { reports?: StitchReports } | undefined)?.reports ?? null;
  const plannedEvt = r.events.find((e) => e.type === 'job.planned');
  const chunking = (plannedEvt?.payload as { chunking?: PlannedChunking } | undefined)?.chunking;
  if (chunking?.chunked) planned = chunking;
  const frames: Record<string, number> = {};
  const files: string[] = [];
  if (r.state === 'completed' || r.state === 'partial')
    for (const rr of r.plan.rungs) {
      const f = await publishedRung(r.jobId, rr.name, join(runDir, 'published', r.arm));
      files.push(f);
      frames[rr.name] = await countPackets(f);
    }
  summaries.push({
    arm: r.arm,
    jobId: r.jobId,
    state: r.state,
    error: r.error,
    encodeSlots: r.encodeSlots,
    wallSeconds: r.wallSeconds,
    load: r.load,
    auditWallSeconds: r.auditWallSeconds,
    // Submit → first encode task started: the probe task and the planning.
    probeSeconds: (() => {
      const sub = r.events.find((e) => e.type === 'job.submitted');
      const first = r.spans.find((x) => x.kind === 'encode');
      return sub && first ? (first.start - Date.parse(sub.at)) / 1000 : NaN;
    })(),
    encodeWholeLadderSeconds: sum(spans.filter((s) => s.kind === 'encode' && s.part === null).map(secs)),
    chunkSeconds: chunkSpans.map(secs),
    chunkMeanSeconds: mean(chunkSpans.map(secs)),
    audioSeconds: sum(of('encode', 'audio').map(secs)),
    stitchSeconds: sum(of('stitch').map(secs)),
    packageSeconds: sum(of('package').map(secs)),
    attempts: r.spans.length,
    notSucceeded: r.spans.filter((s) => s.outcome !== 'succeeded').map((s) => ({ taskId: s.taskId, kind: s.kind, part: s.part, outcome: s.outcome })),
    stitchReports: reports,
    publishedFrames: frames,
    runtimeQuality: r.quality,
    files,
  });
}

// PSNR over the whole programme, chunked arms against the unchunked one
const chunkStarts = planned ? planned.chunks.map((c) => c.startFrame) : [];
const psnr: Record<string, Record<string, Psnr>> = {};
if (measurePsnr)
  for (const s of summaries) {
    const r = results.find((x) => x.arm === s.arm)!;
    const files = s.files;
    if (files.length !== r.plan.rungs.length || r.arm === 'chunked-slots2') continue; // slots2: the same chunks, encoded two at a time
    log(`${r.arm}: measuring PSNR of every rung against the master, ${psnrSeconds ? `${psnrSeconds} s from ${psnrFrom} s` : 'whole programme'}…`);
    const t = performance.now();
    const figures = await psnrOf(r.plan, files, join(runDir, 'published', r.arm), chunkStarts);
    log(`${r.arm}: PSNR measured in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    psnr[r.arm] = Object.fromEntries(r.plan.rungs.map((rr, i) => [rr.name, figures[i]!]));
  }

// ---- report
const byArm = (a: string) => summaries.find((s) => s.arm === a);
const un = byArm('unchunked');
const ch = byArm('chunked');
console.log(
  `\nchunked bench: ${seconds} s 1080p25 master (testsrc2 + temporal noise, H.264 10 Mb/s, GOP 2 s, AAC stereo); ladder ${template.rungs.map((x) => x.name).join('/')} H.264 + AAC, x264 ${preset}; quality.sample ${JSON.stringify(qualitySample)}; HLS + DASH; ${defaults.host.cores} cores`,
);
console.log(
  '| arm | load at submit / end | encode slots | wall (s) | submit → first encode | whole-ladder encode | chunks (n × mean) | audio | stitch | package (incl. quality gate) |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const s of summaries)
  console.log(
    `| ${s.arm} (${s.state}) | ${s.load.map((x) => x.toFixed(1)).join(' / ')} | ${s.encodeSlots} | ${f2(s.wallSeconds)} | ${f2(s.probeSeconds)} | ${f2(s.encodeWholeLadderSeconds)} | ${s.chunkSeconds.length} × ${f2(s.chunkMeanSeconds)} | ${f2(s.audioSeconds)} | ${f2(s.stitchSeconds)} | ${f2(s.packageSeconds)} |`,
  );
if (un && ch) console.log(`unchunked ÷ chunked wall: ${(un.wallSeconds / ch.wallSeconds).toFixed(3)} (target ≥ 0.95)`);
const ch2 = byArm('chunked-slots2');
if (un && ch2) console.log(`unchunked ÷ chunked (encode slots 2) wall: ${(un.wallSeconds / ch2.wallSeconds).toFixed(3)}`);
const model: Record<string, number> = {};
if (ch && ch.chunkSeconds.length) {
  console.log(`per-chunk encode (s): ${ch.chunkSeconds.map(f2).join(', ')}`);
  // Model: N slots/nodes, each chunk one slot; the audio task runs beside the first wave.
  for (const n of [1, 2, 4, 8, 16])
    model[n] = ch.probeSeconds + Math.max(ch.audioSeconds, Math.ceil(ch.chunkSeconds.length / n) * ch.chunkMeanSeconds) + ch.stitchSeconds + ch.packageSeconds;
  console.log(
    `estimated wall on N slots = probe + max(audio, ceil(chunks/N) × mean chunk) + stitch + package: ${Object.entries(model)
      .map(([n, s]) => `N=${n}: ${s.toFixed(1)} s`)
      .join(', ')} (unchunked measured: ${f2(un?.wallSeconds ?? NaN)} s)`,
  );
}
const psnrRows: Array<Record<string, unknown>> = [];
for (const rr of template.rungs) {
  const planFrames = planned ? sum(planned.chunks.map((c) => c.frames)) : NaN;
  const rep = ch?.stitchReports?.[rr.name];
  const a = psnr['unchunked']?.[rr.name];
  const b = psnr['chunked']?.[rr.name];
  const diff = a && b ? b.mean - a.mean : NaN;
  const row = {
    rung: rr.name,
    plannedFrames: planFrames,
    stitchedFrames: rep?.frames ?? null,
    stitchOk: rep?.ok ?? null,
    stitchKeyframes: rep?.keyframes ?? null,
    publishedFramesUnchunked: un?.publishedFrames?.[rr.name] ?? null,
    publishedFramesChunked: ch?.publishedFrames?.[rr.name] ?? null,
    publishedFramesChunkedSlots2: ch2?.publishedFrames?.[rr.name] ?? null,
    vbv: rep?.vbv ?? null,
    psnrUnchunked: a ?? null,
    psnrChunked: b ?? null,
    psnrDiff: diff,
    psnrVerdict: Number.isFinite(diff) ? (Math.abs(diff) <= 0.2 ? 'PASS' : 'FAIL') : 'not measured',
  };
  psnrRows.push(row);
  console.log(
    `${rr.name}: frames planned ${planFrames}, stitched ${row.stitchedFrames} (ok ${row.stitchOk}, keyframes ${row.stitchKeyframes}), published unchunked ${row.publishedFramesUnchunked} / chunked ${row.publishedFramesChunked}${ch2 ? ` / slots2 ${row.publishedFramesChunkedSlots2}` : ''}` +
      `; VBV underflows ${rep?.vbv.underflows ?? '—'}, min fullness ${rep ? rep.vbv.minFullness.toFixed(3) : '—'} at ${rep ? rep.vbv.worstSeconds.toFixed(2) : '—'} s (near a boundary: ${rep?.vbv.worstNearBoundary ?? '—'})` +
      `; PSNR unchunked ${f2(a?.mean ?? NaN)} (min ${f2(a?.min ?? NaN)}, ±1 GOP of joins ${f2(a?.nearBoundaryMean ?? NaN)}) chunked ${f2(b?.mean ?? NaN)} (min ${f2(b?.min ?? NaN)}, ±1 GOP of joins ${f2(b?.nearBoundaryMean ?? NaN)}) Δ ${f2(diff)} dB → ${row.psnrVerdict}`,
  );
}
const out = {
  at: new Date().toISOString(),
  seconds,
  preset,
  qualitySample,
  psnrSeconds,
  psnrFrom,
  cores: defaults.host.cores,
  arms: summaries.map(({ files: _files, ...s }) => s),
  ratioUnchunkedOverChunked: un && ch ? un.wallSeconds / ch.wallSeconds : null,
  ratioUnchunkedOverChunkedSlots2: un && ch2 ? un.wallSeconds / ch2.wallSeconds : null,
  modelSeconds: model,
  rungs: psnrRows,
};
writeFileSync(join(root, `result-${Date.now()}.json`), JSON.stringify(out, null, 2));
console.log(JSON.stringify(out));

await objects.close();
await store.close();
if (!process.env.CHUNKED_BENCH_KEEP) rmSync(runDir, { recursive: true, force: true });
