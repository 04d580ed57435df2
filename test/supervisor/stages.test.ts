import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PoolConfig } from '../../src/config/schema.js';
import type { MediaInfo } from '../../src/media/media-info.js';
import { planLadder } from '../../src/media/ladder-plan.js';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { StagePool } from '../../src/supervisor/stage-pool.js';
import { encodeStage } from '../../src/supervisor/stages/encode-stage.js';
import { packageStage } from '../../src/supervisor/stages/package-stage.js';
import { probeStage } from '../../src/supervisor/stages/probe-stage.js';
import type { StageContext } from '../../src/supervisor/stages/stage-context.js';
import { makeClip } from '../helpers/appliance-crash.js';
import { signedImageCopy } from '../helpers/signed-image.js';
import { tempDir } from '../helpers/temp-dir.js';

const cfg = (cores: number[]): PoolConfig => ({ cores, slots: 1, timeoutSeconds: 120, memoryLimitBytes: 8 * 2 ** 30, maxAttempts: 3 });
const pools = { probe: new StagePool('probe', cfg([1])), encode: new StagePool('encode', cfg([0, 1])), package: new StagePool('package', cfg([1])) };
const work = tempDir();
const master = join(work, 'master.mp4');
let ctx: StageContext;
let info: MediaInfo;

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

test.before(async () => {
  await makeClip(master, '1280x720', 4);
  const signed = await signedImageCopy();
  ctx = { image: signed.ref, trust: signed.trust };
});

test.after(async () => {
  await Promise.all(Object.values(pools).map((p) => p.close()));
});

test('probe: MediaInfo and an accepted verdict, with the exact argv', async () => {
  const r = await probeStage(pools.probe, ctx, { taskId: 'probe-1', inputPath: master });
  assert.is(r.run.outcome, 'succeeded', r.run.stderrTail);
  assert.ok(r.outcome?.readable);
  if (r.outcome?.readable) info = r.outcome.info;
  assert.equal(r.verdict, { accepted: true });
  assert.ok((r.probeJson as { streams: unknown[] }).streams.length === 2);
  assert.ok(r.run.argv.includes('-protocol_whitelist'));
  assert.is(r.run.imageId, ctx.image.id);
});

test('probe: a text file named .mov and a zero-byte file are rejected with reasons, not crashes', async () => {
  const text = join(work, 'notes.mov');
  writeFileSync(text, 'this is not a movie\n'.repeat(50));
  const empty = join(work, 'empty.mov');
  writeFileSync(empty, '');
  for (const p of [text, empty]) {
    const r = await probeStage(pools.probe, ctx, { taskId: `probe-${p}`, inputPath: p });
    assert.ok(r.verdict && !r.verdict.accepted, p);
    if (r.verdict && !r.verdict.accepted) assert.is(r.verdict.reasons[0]?.code, 'MEDIA_UNREADABLE');
  }
});

test('encode the whole ladder in one process, then package HLS + DASH over one set of CMAF segments; every file hashed', async () => {
  const plan = planLadder(info, professionalTemplate);
  assert.equal(
    plan.rungs.map((r) => r.name),
    ['240p', '480p', '720p'],
  );
  const fractions: number[] = [];
  const enc = await encodeStage(pools.encode, ctx, {
    taskId: 'enc-1',
    plan,
    inputPath: master,
    outDir: join(work, 'renditions'),
    x264Preset: 'ultrafast',
    onProgress: (p) => p.fraction !== null && fractions.push(p.fraction),
  });
  assert.is(enc.run.outcome, 'succeeded', enc.run.stderrTail);
  assert.equal(
    enc.renditions.map((r) => r.name),
    ['240p', '480p', '720p', 'audio-0'],
  );
  for (const r of enc.renditions) assert.is(r.sha256, sha(r.path));
  assert.ok(fractions.length > 0 && fractions[fractions.length - 1] === 1, `progress ${fractions.join(',')}`);
  assert.equal(enc.run.argv.filter((a) => a === '-i').length, 1, 'one decode for every rung');

  const pkg = await packageStage(pools.package, ctx, {
    taskId: 'pkg-1',
    plan,
    renditions: enc.renditions,
    outDir: join(work, 'out'),
    formats: ['hls', 'dash'],
  });
  assert.ok(
    pkg.runs.every((r) => r.outcome === 'succeeded'),
    pkg.runs.map((r) => r.stderrTail).join('\n'),
  );
  assert.equal(pkg.manifests, { hls: 'hls/master.m3u8', dash: 'dash/manifest.mpd' });
  const master8 = readFileSync(join(work, 'out', 'hls', 'master.m3u8'), 'utf8');
  assert.is((master8.match(/#EXT-X-STREAM-INF/g) ?? []).length, 3);
  assert.match(master8, /CODECS="avc1\.[0-9a-f]+,mp4a\.40\.2"/);
  const paths = pkg.files.map((f) => f.path);
  assert.ok(paths.includes('hls/master.m3u8') && paths.includes('dash/manifest.mpd'));
  assert.ok(
    paths.filter((p) => p.endsWith('.m4s') || p.endsWith('.mp4')).every((p) => p.startsWith('cmaf/')),
    'every segment once, under cmaf/',
  );
  for (const f of pkg.files) assert.is(f.sha256, sha(join(work, 'out', f.path)));
});

test('a single rung is re-encoded alone (per-rendition retry)', async () => {
  const plan = planLadder(info, professionalTemplate);
  const enc = await encodeStage(pools.encode, ctx, {
    taskId: 'enc-rung',
    plan,
    inputPath: master,
    outDir: join(work, 'retry'),
    scope: { kind: 'rung', rungIndex: 1 },
    x264Preset: 'ultrafast',
  });
  assert.is(enc.run.outcome, 'succeeded', enc.run.stderrTail);
  assert.equal(
    enc.renditions.map((r) => r.name),
    ['480p'],
  );
});

test.run();
