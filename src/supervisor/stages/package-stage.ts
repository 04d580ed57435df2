import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ApplianceError } from '../../errors/appliance-error.js';
import { captionPath, cmafInitPath, cmafSegmentPath, DASH_MANIFEST, HLS_MASTER, MUX_MANIFEST, muxInitName, muxSegmentName } from '../../media/cmaf-layout.js';
import { dashManifest } from '../../media/dash-manifest.js';
import { hlsPlaylists } from '../../media/hls-playlists.js';
import type { CaptionPlan, LadderPlan } from '../../media/plan-types.js';
import { parseMuxedMpd } from '../../media/muxed-mpd.js';
import { cmafMuxArgs, muxedStreams, packageInputs, type MuxedStream } from '../../media/package-args.js';
import type { CmafTrack, PackagedCaption, PackagedProgramme } from '../../media/packaged-programme.js';
import { sha256File } from '../../hashing/file-sha256.js';
import type { StagePool } from '../stage-pool.js';
import type { StageContext, StageFile, StageRuns } from './stage-context.js';
import type { Rendition } from './encode-stage.js';

export type PackagingFormat = 'hls' | 'dash';

/**
 * The ready sidecar files of one caption track of the plan (the shape of the runtime's
 * PreparedCaption, src/runtime/caption-files.ts, so its list passes as it is).
 */
export interface CaptionFiles {
  plan: CaptionPlan;
  /** WebVTT: what HLS references, and DASH when the plan's dashCaptionFormat is webvtt. */
  vttPath: string;
  /** IMSC1 (TTML): what DASH references when dashCaptionFormat is imsc1. */
  imscPath: string | null;
}

export interface PackageStageResult {
  runs: StageRuns;
  /** Manifest paths relative to the output folder, e.g. `{hls: 'hls/master.m3u8'}`. */
  manifests: Partial<Record<PackagingFormat, string>>;
  /** Every file of the package (each segment once), relative to the output folder. */
  files: StageFile[];
}

export interface PackageTask {
  taskId: string;
  plan: LadderPlan;
  renditions: readonly Rendition[];
  outDir: string;
  formats: readonly PackagingFormat[];
  /** Caption tracks to package (none when absent): each a caption of the plan, its files ready. */
  captions?: readonly CaptionFiles[];
}

/** The scratch folder the muxer writes into, inside the output folder; gone when the stage returns. */
const MUX_DIR = 'mux';

const packagingError = (message: string) => new ApplianceError('PACKAGE_FAILED', message);

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, p)));
    else if (entry.isFile()) out.push(relative(root, p));
  }
  return out.sort();
}

const nameOf = (s: MuxedStream): string => (s.kind === 'video' ? s.rung.name : s.plan.name);

/**
 * Moves what the muxer cut for each stream to `cmaf/<name>/` (init.mp4, seg_00001.m4s …),
 * checking every segment of the muxer's timeline is there and nothing else is.
 */
async function placeSegments(outDir: string, muxDir: string, streams: readonly MuxedStream[]): Promise<Map<MuxedStream, CmafTrack>> {
  const timelines = parseMuxedMpd(await readFile(join(muxDir, MUX_MANIFEST), 'utf8'));
  if (timelines.length !== streams.length) throw packagingError(`the muxer wrote ${timelines.length} representations for ${streams.length} renditions`);
  const expected = new Set([MUX_MANIFEST]);
  const moves: Array<{ from: string; to: string }> = [];
  const tracks = new Map<MuxedStream, CmafTrack>();
  for (const s of streams) {
    const t = timelines[s.index];
    if (!t || t.contentType !== s.kind) throw packagingError(`representation ${s.index} is not the ${s.kind} rendition ${nameOf(s)}`);
    moves.push({ from: muxInitName(s.index), to: cmafInitPath(nameOf(s)) });
    const segments = t.segments.map((seg, i) => {
      moves.push({ from: muxSegmentName(s.index, t.startNumber + i), to: cmafSegmentPath(nameOf(s), i + 1) });
      return { ...seg, size: 0 };
    });
    tracks.set(s, { timescale: t.timescale, segments });
  }
  for (const m of moves) expected.add(m.from);
  const stray = (await readdir(muxDir)).filter((f) => !expected.has(f));
  if (stray.length) throw packagingError(`the muxer wrote files its manifest does not list: ${stray.slice(0, 5).join(', ')}`);
  const sizes = new Map<string, number>();
  for (const m of moves) {
    const to = join(outDir, m.to);
    await mkdir(dirname(to), { recursive: true });
    try {
      await rename(join(muxDir, m.from), to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw packagingError(`the muxer's manifest lists ${m.from}, which it did not write`);
      throw err;
    }
    sizes.set(m.to, (await stat(to)).size);
  }
  for (const s of streams) {
    const track = tracks.get(s) as CmafTrack;
    track.segments.forEach((seg, i) => (seg.size = sizes.get(cmafSegmentPath(nameOf(s), i + 1)) ?? 0));
  }
  return tracks;
}

/** Copies the caption files the manifests will reference to `cmaf/<caption>/`. */
async function placeCaptions(task: PackageTask): Promise<PackagedCaption[]> {
  const out: PackagedCaption[] = [];
  const hls = task.formats.includes('hls');
  const dash = task.formats.includes('dash');
  for (const files of task.captions ?? []) {
    const plan = task.plan.captions.find((c) => c.name === files.plan.name);
    if (!plan) throw packagingError(`caption "${files.plan.name}" is not in the plan`);
    const place = async (format: 'webvtt' | 'imsc1', from: string | null | undefined): Promise<{ size: number } | null> => {
      if (!from) throw packagingError(`caption ${plan.name} has no ${format === 'webvtt' ? 'WebVTT' : 'IMSC1'} file`);
      const to = join(task.outDir, captionPath(plan.name, format));
      await mkdir(dirname(to), { recursive: true });
      await copyFile(from, to);
      return { size: (await stat(to)).size };
    };
    const webvtt = hls || (dash && task.plan.dashCaptionFormat === 'webvtt') ? await place('webvtt', files.vttPath) : null;
    const imsc1 = dash && task.plan.dashCaptionFormat === 'imsc1' ? await place('imsc1', files.imscPath) : null;
    out.push({ plan, webvtt, imsc1 });
  }
  return out;
}

/**
 * package(renditions) → HLS and/or DASH over one set of CMAF segments, on the package pool:
 * one dash-muxer process (stream copy) cuts every rendition; its segments move to
 * `cmaf/<rendition>/`; the HLS playlists and the MPD are written from the segment timelines
 * and sizes (hls-playlists.ts, dash-manifest.ts); then the sha256 of every file.
 * docs/packaging.md has the layout.
 */
export async function packageStage(pool: StagePool, ctx: StageContext, task: PackageTask): Promise<PackageStageResult> {
  if (task.formats.length === 0) throw packagingError('no packaging format asked for');
  const videos = task.renditions.filter((r) => r.kind === 'video' && r.rungIndex !== null).map((r) => ({ rungIndex: r.rungIndex as number, path: r.path }));
  const audio = task.renditions.filter((r) => r.kind === 'audio').map((r) => ({ name: r.name, path: r.path }));
  const inputs = packageInputs(task.plan, { videos, audio });
  const streams = muxedStreams(inputs);
  const muxDir = join(task.outDir, MUX_DIR);
  await rm(muxDir, { recursive: true, force: true });
  await mkdir(muxDir, { recursive: true }); // the dash muxer does not create its folder
  const run = await pool.run(
    `${task.taskId}:cmaf`,
    ctx.image,
    ctx.trust,
    { binary: 'ffmpeg', args: cmafMuxArgs(task.plan, inputs, { muxDir }) },
    {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.onSpawned ? { onSpawned: ctx.onSpawned } : {}),
    },
  );
  const runs: StageRuns = [run];
  if (run.outcome !== 'succeeded') return { runs, manifests: {}, files: [] };

  const tracks = await placeSegments(task.outDir, muxDir, streams);
  await rm(muxDir, { recursive: true, force: true });
  const programme: PackagedProgramme = {
    plan: task.plan,
    videos: streams.flatMap((s) => (s.kind === 'video' ? [{ rung: s.rung, track: tracks.get(s) as CmafTrack }] : [])),
    audio: streams.flatMap((s) => (s.kind === 'audio' ? [{ plan: s.plan, track: tracks.get(s) as CmafTrack }] : [])),
    captions: await placeCaptions(task),
  };
  const manifests: PackageStageResult['manifests'] = {};
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(task.outDir, path)), { recursive: true });
    await writeFile(join(task.outDir, path), text, 'utf8');
  };
  if (task.formats.includes('hls')) {
    for (const f of hlsPlaylists(programme)) await write(f.path, f.text);
    manifests.hls = HLS_MASTER;
  }
  if (task.formats.includes('dash')) {
    await write(DASH_MANIFEST, dashManifest(programme));
    manifests.dash = DASH_MANIFEST;
  }
  const files: StageFile[] = [];
  for (const path of await listFiles(task.outDir)) files.push({ path, ...(await sha256File(join(task.outDir, path))) });
  return { runs, manifests, files };
}
