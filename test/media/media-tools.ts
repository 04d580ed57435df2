import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { testImage } from '../helpers/ffmpeg-image.js';

export interface MediaTools {
  /** Runs ffmpeg from the test image: `-nostdin` first and `-protocol_whitelist file,pipe` before every `-i`, as the verified spawn does. */
  ffmpeg(args: readonly string[], options?: { whitelist?: boolean }): SpawnSyncReturns<string>;
  ffprobe(args: readonly string[]): SpawnSyncReturns<string>;
  /** ffmpeg that must succeed; throws with its stderr otherwise. */
  make(args: readonly string[]): void;
}

/** Mirrors src/images/verified-spawn.ts: -nostdin, and the protocol whitelist in front of each input. */
export function withSpawnGuards(args: readonly string[], binary: 'ffmpeg' | 'ffprobe'): string[] {
  const out: string[] = binary === 'ffmpeg' ? ['-nostdin'] : [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-i') out.push('-protocol_whitelist', 'file,pipe');
    out.push(args[i] as string);
  }
  return out;
}

let tools: MediaTools | null = null;

export async function mediaTools(): Promise<MediaTools> {
  if (tools) return tools;
  const img = await testImage();
  const run = (binary: 'ffmpeg' | 'ffprobe', args: readonly string[]) => {
    const argv = img.argv(binary);
    return spawnSync(argv[0] as string, [...argv.slice(1), ...args], { env: { LC_ALL: 'C' }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  };
  tools = {
    ffmpeg: (args, options = {}) => run('ffmpeg', options.whitelist === false ? ['-nostdin', ...args] : withSpawnGuards(args, 'ffmpeg')),
    ffprobe: (args) => run('ffprobe', withSpawnGuards(args, 'ffprobe')),
    make(args) {
      const r = run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
      if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    },
  };
  return tools;
}

/** Keyframe presentation times of the first video stream (decoder view: -skip_frame nokey -show_frames). */
export function keyframeTimes(t: MediaTools, path: string): number[] {
  const r = t.ffprobe(['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=pts_time', '-of', 'json', '-i', path]);
  if (r.status !== 0) throw new Error(`ffprobe keyframes ${path}: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as { frames?: Array<{ pts_time?: string }> };
  return (doc.frames ?? []).map((f) => Number(f.pts_time));
}
