import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AuditExporter } from '../../src/audit/audit-exporter.js';
import { generateSigningKey, signDetached, type SigningKey } from '../../src/signing/openpgp-keys.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp-dir.js';

/** What ffprobe printed for a real 2 s 320x240 H.264 + AAC clip (trimmed to the fields the appliance reads). */
export const FFPROBE_OUTPUT = {
  streams: [
    {
      index: 0,
      codec_name: 'h264',
      codec_type: 'video',
      width: 320,
      height: 240,
      pix_fmt: 'yuv420p',
      r_frame_rate: '25/1',
      avg_frame_rate: '25/1',
      duration: '2.000000',
    },
    { index: 1, codec_name: 'aac', codec_type: 'audio', sample_rate: '48000', channels: 2, duration: '2.000000' },
  ],
  format: { filename: 'input', nb_streams: 2, format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '2.000000', size: '61234', bit_rate: '244936' },
};

/** A real SQLite store with a signed encoder image, an audit key on disk and an exporter. */
export async function auditFixture() {
  const dir = tempDir('mpegflow-audit-');
  const store = new SqliteStore({ path: join(dir, 'mpegflow.db') });
  const key: SigningKey = await generateSigningKey({ name: 'MpegFlow Appliance audit key' });
  const keyPath = join(dir, 'audit-key.asc');
  writeFileSync(keyPath, key.privateArmored, { mode: 0o600 });
  const publicKeyPath = join(dir, 'audit-key.pub.asc');
  writeFileSync(publicKeyPath, key.publicArmored);
  // An encoder image as the catalog holds it: manifest.json (its sha256 is the id) signed beside it.
  const manifest = `${JSON.stringify({ name: 'debian-ffmpeg-7.1', ffmpeg: { version: '7.1.1' }, source: { kind: 'debian' }, files: [] }, null, 2)}\n`;
  const imageId = createHash('sha256').update(manifest).digest('hex');
  const imageDir = join(dir, 'images', imageId);
  mkdirSync(imageDir, { recursive: true });
  writeFileSync(join(imageDir, 'manifest.json'), manifest);
  writeFileSync(join(imageDir, 'manifest.json.asc'), await signDetached(key.privateArmored, Buffer.from(manifest)));
  await store.change(async (tx) => {
    await tx.images.insert({
      id: imageId,
      name: 'debian-ffmpeg-7.1',
      version: '7.1.1',
      path: imageDir,
      manifest,
      state: 'verified',
      verifiedAt: new Date().toISOString(),
    });
    await tx.audit({ type: 'encoder_image.imported', actor: 'system', payload: { imageId, name: 'debian-ffmpeg-7.1', version: '7.1.1', source: 'debian' } });
  });
  const exporter = new AuditExporter({ store, keyPath, scratchDir: join(dir, 'scratch') });
  return { dir, store, key, keyPath, publicKeyPath, imageId, imageManifest: manifest, exporter };
}

export type AuditFixture = Awaited<ReturnType<typeof auditFixture>>;

/** A job's lifecycle as the runtime records it: submit, probe (with ffprobe output), plan, encode, package, complete. */
export async function jobLifecycle(f: AuditFixture, jobId: string, steps: 'all' | 'submit' | 'finish' = 'all'): Promise<void> {
  const actor = 'runtime';
  if (steps !== 'finish') {
    await f.store.change(async (tx) => {
      await tx.jobs.insert({
        id: jobId,
        state: 'queued',
        inputKey: `${jobId}.mp4`,
        inputSha256: createHash('sha256').update(jobId).digest('hex'),
        inputSize: 61234,
        ladder: 'professional',
        packaging: ['hls', 'dash'],
        encoderImage: f.imageId,
        policy: { partialLadder: 'wait' },
        idempotencyKey: null,
        requestHash: null,
        submittedBy: 'token:tok_operator',
      });
      await tx.tasks.insert({ id: `${jobId}_probe`, jobId, kind: 'probe', rendition: null, maxAttempts: 3, input: {} });
      await tx.audit({
        type: 'job.submitted',
        actor: 'token:tok_operator',
        jobId,
        payload: { inputKey: `${jobId}.mp4`, ladder: 'professional', encoderImage: f.imageId },
      });
    });
    await f.store.change(async (tx) => {
      await tx.jobs.update(jobId, { state: 'probing' });
      await tx.audit({ type: 'job.probed', actor, jobId, payload: { taskId: `${jobId}_probe`, ffprobe: FFPROBE_OUTPUT, verdict: { accepted: true } } });
    });
  }
  if (steps !== 'submit') {
    await f.store.change(async (tx) => {
      await tx.jobs.update(jobId, { state: 'encoding' });
      await tx.audit({ type: 'job.state', actor, jobId, payload: { state: 'encoding', renditions: ['360p', '240p', 'audio'] } });
    });
    await f.store.change(async (tx) => {
      await tx.jobs.update(jobId, { state: 'completed', progress: 1, outputs: { hls: `${jobId}/hls/master.m3u8`, dash: `${jobId}/dash/manifest.mpd` } });
      await tx.audit({ type: 'job.state', actor, jobId, payload: { state: 'completed', note: 'ünïcode ✓ "quoted"' } });
    });
  }
}

export function sh(argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { status: number | null; out: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, env, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Extracts a bundle with GNU tar into a fresh folder. */
export function untar(bundle: string): string {
  const into = tempDir('mpegflow-bundle-x-');
  const r = sh(['tar', '-xf', bundle, '-C', into], into);
  if (r.status !== 0) throw new Error(`tar -xf failed: ${r.out}`);
  return into;
}

/** Packs a folder's files (in the given order) into a new tar with GNU tar. */
export function retar(dir: string, files: string[]): string {
  const out = join(tempDir('mpegflow-bundle-r-'), 'bundle.tar');
  const r = sh(['tar', '-cf', out, '-C', dir, '--', ...files], dir);
  if (r.status !== 0) throw new Error(`tar -cf failed: ${r.out}`);
  return out;
}

export function filesIn(dir: string, at = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(at).sort()) {
    const p = join(at, name);
    if (statSync(p).isDirectory()) out.push(...filesIn(dir, p));
    else out.push(relative(dir, p));
  }
  return out;
}

/** `gpg --verify manifest.json.asc manifest.json` in `dir`, with only `publicKeyPath` imported into a throw-away GNUPGHOME. */
export function gpgVerifyIn(dir: string, publicKeyPath: string): { ok: boolean; out: string } {
  const home = join(tempDir('mpegflow-gnupg-'), 'home');
  mkdirSync(home, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  const imported = sh(['gpg', '--batch', '--import', publicKeyPath], dir, env);
  if (imported.status !== 0) return { ok: false, out: imported.out };
  const r = sh(['gpg', '--batch', '--verify', 'manifest.json.asc', 'manifest.json'], dir, env);
  return { ok: r.status === 0, out: r.out };
}

export const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
