import { mkdir, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { LadderPlan } from '../../media/ladder-plan.js';
import { DASH_MANIFEST, dashPackageArgs, HLS_MASTER, hlsPackageArgs, packageInputs } from '../../media/package-args.js';
import { sha256File } from '../../hashing/file-sha256.js';
import type { StagePool } from '../stage-pool.js';
import type { StageContext, StageFile, StageRuns } from './stage-context.js';
import type { Rendition } from './encode-stage.js';

export type PackagingFormat = 'hls' | 'dash';

export interface PackageStageResult {
  runs: StageRuns;
  /** Manifest paths relative to the output folder, e.g. `{hls: 'hls/master.m3u8'}`. */
  manifests: Partial<Record<PackagingFormat, string>>;
  files: StageFile[];
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, p)));
    else if (entry.isFile()) out.push(relative(root, p));
  }
  return out.sort();
}

/**
 * package(renditions) → HLS and/or DASH with stream copy, on the package pool: one process
 * per format into `<outDir>/hls/` and `<outDir>/dash/`, then the sha256 of every file.
 */
export async function packageStage(
  pool: StagePool,
  ctx: StageContext,
  task: { taskId: string; plan: LadderPlan; renditions: readonly Rendition[]; outDir: string; formats: readonly PackagingFormat[] },
): Promise<PackageStageResult> {
  const videos = task.renditions.filter((r) => r.kind === 'video' && r.rungIndex !== null).map((r) => ({ rungIndex: r.rungIndex as number, path: r.path }));
  const audio = task.renditions.find((r) => r.kind === 'audio')?.path ?? null;
  const inputs = packageInputs(task.plan, { videos, audio });
  const runs: StageRuns = [];
  const manifests: PackageStageResult['manifests'] = {};
  for (const format of task.formats) {
    const dir = join(task.outDir, format);
    await mkdir(dir, { recursive: true }); // the dash muxer does not create its folder
    const args = format === 'hls' ? hlsPackageArgs(task.plan, inputs, { outDir: dir }) : dashPackageArgs(task.plan, inputs, { outDir: dir });
    const run = await pool.run(
      `${task.taskId}:${format}`,
      ctx.image,
      ctx.trust,
      { binary: 'ffmpeg', args },
      {
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.onSpawned ? { onSpawned: ctx.onSpawned } : {}),
      },
    );
    runs.push(run);
    if (run.outcome !== 'succeeded') return { runs, manifests, files: [] };
    manifests[format] = `${format}/${format === 'hls' ? HLS_MASTER : DASH_MANIFEST}`;
  }
  const files: StageFile[] = [];
  for (const path of await listFiles(task.outDir)) files.push({ path, ...(await sha256File(join(task.outDir, path))) });
  return { runs, manifests, files };
}
