import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PoolConfig } from '../../src/config/schema.js';
import { rational } from '../../src/media/rational.js';
import type { StitchExpectation } from '../../src/media/stitch-check.js';
import { StagePool } from '../../src/supervisor/stage-pool.js';
import type { StageContext } from '../../src/supervisor/stages/stage-context.js';
import { STITCH_LIST, stitchStage, type StitchStageResult } from '../../src/supervisor/stages/stitch-stage.js';
import { signedImageCopy } from '../helpers/signed-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { keyframeTimes, mediaTools, type MediaTools } from '../media/media-tools.js';

// Chunked encoding (issue #17): chunk k of a rung is `-ss START -i master -frames:v N` + the
// unchunked rung's own output arguments; the stitch concatenates the chunk MP4s by stream copy.
// Verified here with the real FFmpeg 7.1 image for H.264 (libx264) and HEVC (libx265, hvc1):
// both stitch to the planned 300 frames, pts exactly i × 512 in 1/12800, keyframes every 50.

const cfg: PoolConfig = { cores: [0, 1], slots: 1, timeoutSeconds: 120, memoryLimitBytes: 8 * 2 ** 30, maxAttempts: 3 };
const pool = new StagePool('package', cfg);
const work = tempDir('mpegflow-stitch-stage-');
const master = join(work, 'master.mp4');
const FPS = rational(25, 1);
let t: MediaTools;
let ctx: StageContext;

/** The output arguments every chunk and the unchunked rung share: keyframeArgs' policy for a 2 s GOP at 25 fps, a VBV cap. */
const keyframes = ['-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-bf', '3', '-flags', '+cgop'];
const cfr = ['-force_key_frames', 'expr:gte(t,n_forced*2)', '-fps_mode', 'cfr', '-r', '25'];
const rate = ['-b:v', '800k', '-maxrate', '1000k', '-bufsize', '2000k'];
const H264 = ['-an', '-c:v', 'libx264', '-preset', 'ultrafast', ...rate, ...keyframes, ...cfr, '-movflags', '+faststart', '-f', 'mp4'];
const HEVC = [
  ...['-an', '-c:v', 'libx265', '-preset', 'ultrafast', '-tag:v', 'hvc1', '-forced-idr', '1'],
  ...['-x265-params', 'keyint=50:min-keyint=50:scenecut=0:open-gop=0:log-level=error'],
  ...rate,
  ...keyframes,
  ...cfr,
  ...['-movflags', '+faststart', '-f', 'mp4'],
];

const expected = (frames = 300): StitchExpectation => ({
  frames,
  frameRate: FPS,
  keyframes: Array.from({ length: Math.ceil(frames / 50) }, (_, i) => i * 50),
  maxrateKbps: 1000,
  bufsizeKbps: 2000,
  chunkStarts: [0, 100, 200],
});
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(2);
const codes = (r: StitchStageResult) => [...new Set(r.report?.problems.map((p) => p.code))].sort();

/** `frames` frames of the master from `start` s, encoded with `args`, as `dir/name`. */
function chunk(dir: string, name: string, start: number, frames: number, args: readonly string[]): { fileName: string; frames: number } {
  mkdirSync(dir, { recursive: true });
  t.make(['-ss', String(start), '-i', master, '-frames:v', String(frames), ...args, join(dir, name)]);
  return { fileName: name, frames };
}

/** The md5 of every decoded frame of the first video stream, in order. */
function decodedFrames(path: string): string[] {
  const r = t.ffmpeg(['-v', 'error', '-i', path, '-map', '0:v:0', '-f', 'framemd5', '-']);
  if (r.status !== 0) throw new Error(`decode ${path}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim());
}

test.before(async () => {
  t = await mediaTools();
  const signed = await signedImageCopy();
  ctx = { image: signed.ref, trust: signed.trust };
  t.make(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=12', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', master]);
});

test.after(async () => {
  await pool.close();
});

/** Encodes the master whole and as three 4 s chunks with `args`, stitches the chunks, and checks what the brief asks of a good stitch. */
async function stitchedMatchesUnchunked(codec: string, args: readonly string[]): Promise<StitchStageResult> {
  const dir = join(work, codec);
  let started = Date.now();
  const whole = join(dir, 'whole.mp4');
  mkdirSync(dir, { recursive: true });
  t.make(['-i', master, ...args, whole]);
  console.log(`    ${codec} unchunked 12 s 360p: ${seconds(started)} s`);
  started = Date.now();
  const chunkDir = join(dir, 'chunks');
  const chunks = [0, 1, 2].map((k) => chunk(chunkDir, `c${k}.mp4`, 4 * k, 100, args));
  console.log(`    ${codec} three 4 s chunks: ${seconds(started)} s`);
  started = Date.now();
  const output = join(dir, 'stitched.mp4');
  const spawned: string[][] = [];
  const r = await stitchStage(
    pool,
    { ...ctx, onSpawned: (p) => spawned.push([...p.argv]) },
    { taskId: `stitch-${codec}`, chunkDir, chunks, frameRate: FPS, output, expected: expected() },
  );
  console.log(`    ${codec} stitch + packet index: ${seconds(started)} s; VBV ${JSON.stringify(r.report?.vbv)}`);
  assert.equal(
    r.runs.map((run) => [run.taskId, run.outcome]),
    [
      [`stitch-${codec}:concat`, 'succeeded'],
      [`stitch-${codec}:packets`, 'succeeded'],
    ],
    r.runs.map((run) => run.stderrTail).join('\n'),
  );
  assert.is(
    readFileSync(join(chunkDir, STITCH_LIST), 'utf8'),
    'ffconcat version 1.0\nfile c0.mp4\nduration 4\nfile c1.mp4\nduration 4\nfile c2.mp4\nduration 4\n',
  );
  // The verified spawn whitelists file,pipe before -i: the concat demuxer opens the chunks under it.
  const concat = spawned[0]!;
  assert.equal(concat.slice(concat.indexOf('-i') - 6, concat.indexOf('-i') + 1), ['-f', 'concat', '-safe', '1', '-protocol_whitelist', 'file,pipe', '-i']);
  assert.equal(r.report?.problems, []);
  assert.is(r.report?.ok, true);
  assert.is(r.report?.frames, 300);
  assert.is(r.report?.keyframes, 6);
  assert.equal(keyframeTimes(t, output), [0, 2, 4, 6, 8, 10]);
  assert.equal(keyframeTimes(t, whole), [0, 2, 4, 6, 8, 10]);
  assert.equal({ sha256: r.sha256, size: r.size }, { sha256: sha(output), size: readFileSync(output).length });
  const stitchedFrames = decodedFrames(output);
  assert.is(stitchedFrames.length, decodedFrames(whole).length, 'as many decoded frames as the unchunked encode');
  assert.is(stitchedFrames.length, 300);
  assert.equal(
    stitchedFrames,
    chunks.flatMap((c) => decodedFrames(join(chunkDir, c.fileName))),
    'the chunks’ own pictures, in order: nothing re-encoded or lost',
  );
  return r;
}

test('H.264: three 4 s chunks stitch to the planned 300 frames, keyframes every 2 s, the same decoded frames as the chunks', async () => {
  const r = await stitchedMatchesUnchunked('h264', H264);
  // Stitching is deterministic: the same chunks give the same bytes.
  const again = await stitchStage(pool, ctx, {
    taskId: 'stitch-h264-again',
    chunkDir: join(work, 'h264', 'chunks'),
    chunks: [0, 1, 2].map((k) => ({ fileName: `c${k}.mp4`, frames: 100 })),
    frameRate: FPS,
    output: join(work, 'h264', 'again.mp4'),
    expected: expected(),
  });
  assert.is(again.sha256, r.sha256);
});

test('HEVC (libx265, hvc1, closed GOP, forced IDR): concat stitches it the same way', async () => {
  await stitchedMatchesUnchunked('hevc', HEVC);
});

test('a chunk left out, a short chunk, a long chunk, a chunk file gone: never ok, nothing hashed', async () => {
  const dir = join(work, 'h264', 'chunks');
  chunk(dir, 'c1-short.mp4', 4, 90, H264);
  chunk(dir, 'c1-long.mp4', 4, 110, H264);
  const run = (name: string, c1: { fileName: string; frames: number } | null) =>
    stitchStage(pool, ctx, {
      taskId: `stitch-${name}`,
      chunkDir: dir,
      chunks: [{ fileName: 'c0.mp4', frames: 100 }, ...(c1 ? [c1] : []), { fileName: 'c2.mp4', frames: 100 }],
      frameRate: FPS,
      output: join(work, 'h264', `${name}.mp4`),
      expected: expected(),
    });

  const left = await run('left-out', null);
  assert.equal(codes(left), ['STITCH_FRAME_COUNT', 'STITCH_GOP']); // 200 frames; no keyframes at 200, 250
  assert.is(left.report?.frames, 200);

  // Listed as the 100 frames it was planned to hold: 10 frames missing before the third chunk.
  const short = await run('short', { fileName: 'c1-short.mp4', frames: 100 });
  assert.equal(codes(short), ['STITCH_FRAME_COUNT', 'STITCH_TIMESTAMPS']);
  assert.ok(short.report?.problems.some((p) => p.code === 'STITCH_TIMESTAMPS' && /10 frames missing/.test(p.message)));

  for (const r of [left, short]) {
    assert.is(r.report?.ok, false);
    assert.equal([r.sha256, r.size], [null, null]);
    assert.ok(r.runs.every((x) => x.outcome === 'succeeded'));
  }

  // Ten frames too many overlap the next chunk, or a chunk file is gone: alone, ffmpeg only
  // warns (rewriting the dts; taking the missing file for the end) and exits 0; under
  // -xerror the concat run fails, and there is no report at all.
  const long = await run('long', { fileName: 'c1-long.mp4', frames: 100 });
  assert.match(long.runs[0]!.stderrTail, /Non-monotonic DTS/);
  const gone = await run('gone', { fileName: 'c1-missing.mp4', frames: 100 });
  assert.match(gone.runs[0]!.stderrTail, /Impossible to open '[^']*\/c1-missing\.mp4'/);
  for (const r of [long, gone]) {
    assert.equal(
      r.runs.map((x) => x.outcome),
      ['failed'],
    );
    assert.equal([r.report, r.sha256, r.size], [null, null, null]);
  }
});

test('the output may not be a chunk or the list', async () => {
  const dir = join(work, 'h264', 'chunks');
  for (const output of [join(dir, 'c1.mp4'), join(dir, STITCH_LIST)]) {
    try {
      await stitchStage(pool, ctx, {
        taskId: 'x',
        chunkDir: dir,
        chunks: [{ fileName: 'c1.mp4', frames: 100 }],
        frameRate: FPS,
        output,
        expected: expected(100),
      });
      assert.unreachable(output);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'MEDIA_ARGUMENT_INVALID', String(err));
    }
  }
});

test.run();
