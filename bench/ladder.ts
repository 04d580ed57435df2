// Ladder benchmark (npm run bench:ladder): in ONE run, on one generated 1080p mezzanine,
//   raw       the best single ffmpeg command for the ladder (one decode feeding every rung
//             + audio once), then HLS and DASH packaging — run directly, no appliance;
//   naive     one ffmpeg process per rung (and one for audio), sequentially, then the same packaging;
//   appliance probe → encode → package through the supervisor's pools (verified spawn,
//             core pinning, memory guard, progress), with the argv the appliance builds.
//   store     the appliance path through an object store, in clear and encrypted at rest
//             (the master read from the store, renditions and packages put into it).
// All encode + package (like with like); appliance also probes, as it must to plan.
// Env: LADDER_BENCH_SECONDS (30), LADDER_BENCH_PRESET (veryfast), LADDER_BENCH_KEEP=1.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHostFacts } from '../src/config/host.js';
import { loadConfig } from '../src/config/load.js';
import { buildImage } from '../src/image-build/build-image.js';
import type { EncoderImageManifest } from '../src/images/encoder-image-manifest.js';
import { imageIdOf } from '../src/images/image-manifest.js';
import { encodeAudioArgs, encodeLadderArgs, encodeRungArgs, type X264Preset } from '../src/media/encode-args.js';
import { planLadder, type LadderPlan } from '../src/media/ladder-plan.js';
import { professionalTemplate } from '../src/media/builtin-templates.js';
import { cmafMuxArgs, packageInputs } from '../src/media/package-args.js';
import { parseProbe } from '../src/media/parse-probe.js';
import { probeArgs } from '../src/media/probe-args.js';
import { generateSigningKey, signDetached } from '../src/signing/openpgp-keys.js';
import { Supervisor } from '../src/supervisor/supervisor.js';
import { encodeStage, renditionPath } from '../src/supervisor/stages/encode-stage.js';
import { packageStage } from '../src/supervisor/stages/package-stage.js';
import { probeStage } from '../src/supervisor/stages/probe-stage.js';
import { buildHostFromEnv } from '../src/config/build-host.js';
import { memoryKek } from '../src/at-rest/key-encryption-key.js';
import { stageIn } from '../src/runtime/stage-in.js';
import { EmbeddedStore } from '../src/storage/embedded-store.js';
import { EncryptedStore } from '../src/storage/encrypted-store.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const seconds = Number(process.env.LADDER_BENCH_SECONDS ?? 30);
const preset = (process.env.LADDER_BENCH_PRESET ?? 'veryfast') as X264Preset;
const root = join(tmpdir(), 'mpegflow-bench-ladder');
mkdirSync(root, { recursive: true });

// The real FFmpeg 7.1 image, built from the committed lock (cached), signed for this run.
const imageDir = join(root, 'image');
if (!existsSync(join(imageDir, 'manifest.json'))) {
  rmSync(imageDir, { recursive: true, force: true });
  await buildImage({ host: buildHostFromEnv(process.env), outDir: imageDir });
}
const manifestBytes = readFileSync(join(imageDir, 'manifest.json'));
const manifest = JSON.parse(manifestBytes.toString('utf8')) as EncoderImageManifest;
const key = await generateSigningKey({ name: 'bench' });
writeFileSync(join(imageDir, 'manifest.json.asc'), await signDetached(key.privateArmored, manifestBytes));
const image = { id: imageIdOf(manifestBytes), dir: imageDir };
const trust = { keys: [{ fingerprint: key.fingerprint, source: 'bench', armored: key.publicArmored }] };
const tool = (bin: 'ffmpeg' | 'ffprobe') => [
  join(imageDir, manifest.run.loader),
  '--library-path',
  manifest.run.libraryPath.map((p) => join(imageDir, p)).join(':'),
  join(imageDir, manifest.run.binaries[bin]),
];

function direct(bin: 'ffmpeg' | 'ffprobe', args: string[]): Promise<string> {
  const [file, ...pre] = tool(bin);
  // Mirror the verified spawn's input hardening so both sides run the same ffmpeg work.
  const hardened = [
    '-nostdin',
    ...args.flatMap((a, i) => (a === '-i' && args[i - 1] !== '-protocol_whitelist' ? ['-protocol_whitelist', 'file,pipe', a] : [a])),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(file!, [...pre, ...(bin === 'ffmpeg' ? hardened : args)], { env: { LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err = (err + d).slice(-4000)));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} exited ${code}: ${err}`))));
  });
}

// The mezzanine: 1080p25 H.264 at high quality + stereo AAC, generated once.
const master = join(root, `master-1080p-${seconds}s.mp4`);
if (!existsSync(master)) {
  console.error(`generating a ${seconds} s 1080p mezzanine…`);
  await direct('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=1920x1080:rate=25:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${seconds}`,
    '-ac',
    '2',
    '-c:v',
    'libx264',
    '-preset',
    'fast',
    '-crf',
    '16',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '256k',
    '-shortest',
    `${master}.tmp.mp4`,
  ]);
  cpSync(`${master}.tmp.mp4`, master);
  rmSync(`${master}.tmp.mp4`);
}
const plan: LadderPlan = planLadder(parseProbe(await direct('ffprobe', probeArgs(master))), professionalTemplate);

async function packageDirect(outDir: string, renditionDir: string): Promise<void> {
  const inputs = packageInputs(plan, {
    videos: plan.rungs.map((r, i) => ({ rungIndex: i, path: renditionPath(renditionDir, r.name) })),
    audio: plan.audio.map((a) => ({ name: a.name, path: renditionPath(renditionDir, a.name) })),
  });
  // One muxer run cuts the CMAF segments both manifests share (the appliance then writes the manifests from them).
  mkdirSync(join(outDir, 'mux'), { recursive: true });
  await direct('ffmpeg', cmafMuxArgs(plan, inputs, { muxDir: join(outDir, 'mux') }));
}

async function timed(label: string, fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  const s = (performance.now() - t0) / 1000;
  console.error(`${label}: ${s.toFixed(2)} s`);
  return s;
}

const fresh = (name: string) => {
  const d = join(root, name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  return d;
};

const rawDir = fresh('raw');
const raw_s = await timed('raw (one ffmpeg for the ladder + packaging)', async () => {
  await direct(
    'ffmpeg',
    encodeLadderArgs(plan, {
      input: master,
      rungOutputs: plan.rungs.map((r) => renditionPath(rawDir, r.name)),
      audioOutputs: plan.audio.map((a) => renditionPath(rawDir, a.name)),
      x264Preset: preset,
    }),
  );
  await packageDirect(join(rawDir, 'out'), rawDir);
});

const naiveDir = fresh('naive');
const naive_s = await timed('naive (one ffmpeg per rung, sequential + packaging)', async () => {
  for (let i = 0; i < plan.rungs.length; i++)
    await direct('ffmpeg', encodeRungArgs(plan, i, { input: master, output: renditionPath(naiveDir, plan.rungs[i]!.name), x264Preset: preset }));
  for (const a of plan.audio) await direct('ffmpeg', encodeAudioArgs(plan, a.name, { input: master, output: renditionPath(naiveDir, a.name) }));
  await packageDirect(join(naiveDir, 'out'), naiveDir);
});

const config = loadConfig({ env: {}, host: await readHostFacts(), cwd: root });
const supervisor = new Supervisor(config);
const appDir = fresh('appliance');
const ctx = { image, trust };
const appliance_s = await timed('appliance (probe → encode → package through the pools)', async () => {
  const probe = await probeStage(supervisor.pools.probe, ctx, { taskId: 'probe', inputPath: master });
  if (!probe.outcome?.readable) throw new Error('probe failed');
  const p = planLadder(probe.outcome.info, professionalTemplate);
  const enc = await encodeStage(supervisor.pools.encode, ctx, {
    taskId: 'encode',
    plan: p,
    inputPath: master,
    outDir: join(appDir, 'renditions'),
    x264Preset: preset,
  });
  if (enc.run.outcome !== 'succeeded') throw new Error(`encode failed: ${enc.run.stderrTail}`);
  const pkg = await packageStage(supervisor.pools.package, ctx, {
    taskId: 'package',
    plan: p,
    renditions: enc.renditions,
    outDir: join(appDir, 'out'),
    formats: ['hls', 'dash'],
  });
  if (!pkg.runs.every((r) => r.outcome === 'succeeded')) throw new Error('package failed');
});

// The same appliance path as the runtime runs it, through an object store: the master read
// from the store (in place, or through the loopback range server when encrypted), renditions
// and packages put into it; clear on the embedded store with scratch on disk, against
// encrypted at rest (AES-256-GCM, KEK-wrapped data keys) with scratch in memory (/dev/shm).
async function throughStore(objects: ObjectStore, scratch: string): Promise<void> {
  const staged = await stageIn(objects, 'input', 'bench/master.mp4', join(scratch, 'master'));
  const probe = await probeStage(supervisor.pools.probe, ctx, { taskId: 'probe', inputPath: staged.input });
  if (!probe.outcome?.readable) throw new Error('probe failed');
  const p = planLadder(probe.outcome.info, professionalTemplate);
  const enc = await encodeStage(supervisor.pools.encode, ctx, {
    taskId: 'encode',
    plan: p,
    inputPath: staged.input,
    outDir: join(scratch, 'enc'),
    x264Preset: preset,
  });
  await staged.release();
  if (enc.run.outcome !== 'succeeded') throw new Error(`encode failed: ${enc.run.stderrTail}`);
  const inputs = [];
  for (const r of enc.renditions) {
    await objects.put('intermediate', `bench/${r.name}.mp4`, createReadStream(r.path, { highWaterMark: 4 << 20 }), { expectedSha256: r.sha256 });
    const s = await stageIn(objects, 'intermediate', `bench/${r.name}.mp4`, join(scratch, 'staged', r.name));
    inputs.push({ rendition: { ...r, path: s.input }, release: s.release });
  }
  rmSync(join(scratch, 'enc'), { recursive: true, force: true });
  const out = join(scratch, 'pkg');
  const pkg = await packageStage(supervisor.pools.package, ctx, {
    taskId: 'package',
    plan: p,
    renditions: inputs.map((i) => i.rendition),
    outDir: out,
    formats: ['hls', 'dash'],
  });
  for (const i of inputs) await i.release();
  if (!pkg.runs.every((r) => r.outcome === 'succeeded')) throw new Error('package failed');
  for (const f of pkg.files)
    await objects.put('output', `bench/${f.path}`, createReadStream(join(out, f.path), { highWaterMark: 4 << 20 }), { expectedSha256: f.sha256 });
  rmSync(scratch, { recursive: true, force: true });
}

const clearRoot = fresh('store-clear');
const clearStore = new EmbeddedStore({ root: join(clearRoot, 'objects') });
await clearStore.open();
await clearStore.put('input', 'bench/master.mp4', createReadStream(master));
const storeClear_s = await timed('appliance through the store, in clear (scratch on disk)', () => throughStore(clearStore, join(clearRoot, 'scratch')));

const sealedRoot = fresh('store-encrypted');
const ring = new SqliteStore({ path: join(sealedRoot, 'mpegflow.db') });
const kek = memoryKek(randomBytes(32));
const sealedStore = new EncryptedStore(new EmbeddedStore({ root: join(sealedRoot, 'objects') }), { current: kek, all: [kek] }, ring.dataKeys);
await sealedStore.open();
await sealedStore.put('input', 'bench/master.mp4', createReadStream(master));
const memScratch = join('/dev/shm', `mpegflow-bench-ladder-${process.pid}`);
const storeSealed_s = await timed('appliance through the store, encrypted at rest (scratch in memory)', () => throughStore(sealedStore, memScratch));
await ring.close();

await supervisor.close();
if (!process.env.LADDER_BENCH_KEEP) for (const d of [rawDir, naiveDir, appDir, clearRoot, sealedRoot]) rmSync(d, { recursive: true, force: true });

const r = (x: number) => Number(x.toFixed(3));
console.log(
  `ladder: ${plan.rungs.map((x) => x.name).join(', ')} + ${plan.audio ? 'audio' : 'no audio'}; ${seconds} s 1080p25 master; x264 ${preset}; encode + HLS + DASH on every side; ${config.host.cores} cores (encode pool: ${config.pools.encode.cores.join(',')})`,
);
console.log('| path | seconds | vs appliance |');
console.log('| --- | ---: | ---: |');
for (const [label, s] of [
  ['raw single ffmpeg', raw_s],
  ['naive per-rung', naive_s],
  ['appliance', appliance_s],
  ['appliance + store, clear', storeClear_s],
  ['appliance + store, encrypted at rest', storeSealed_s],
] as const)
  console.log(`| ${label} | ${s.toFixed(2)} | ${(s / appliance_s).toFixed(3)} |`);
console.log(
  JSON.stringify({
    raw_s: r(raw_s),
    naive_s: r(naive_s),
    appliance_s: r(appliance_s),
    ratio_vs_raw: r(raw_s / appliance_s),
    ratio_vs_naive: r(naive_s / appliance_s),
    store_clear_s: r(storeClear_s),
    store_encrypted_s: r(storeSealed_s),
    encrypted_vs_clear: r(storeClear_s / storeSealed_s),
  }),
);
console.log(`encryption at rest: ${(storeClear_s / storeSealed_s).toFixed(3)}× the throughput of the same path in clear (target ≥ 0.9×)`);
