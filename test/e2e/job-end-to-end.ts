// One job end to end through the real server (`mpegflow start`, as `npm start` runs it), with
// encryption at rest on (a facility KEK outside the data dir): upload a generated 1080p clip
// carrying a marker, submit, follow the job to completed over /ws — with no byte of the marker
// in clear under the data dir during or after the job — read the outputs back through the API
// with ffprobe, check the audit trail and verify it. Run on the embedded defaults
// (appliance-job.test.ts, whose first start builds the image) and on PostgreSQL + S3.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { seedDebCache } from '../cli/deb-cache-seed.js';
import { apiClient } from '../helpers/api-client.js';
import { runCli, startServer } from '../helpers/cli.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testClipArgs } from '../helpers/clip-args.js';

/** Files under the data dir (not the encoder images or the package cache: no content ever goes there) holding `marker` in clear. */
async function filesWithMarker(dataDir: string, marker: Buffer): Promise<string[]> {
  const hits: string[] = [];
  for (const e of await readdir(dataDir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    const path = join(e.parentPath, e.name);
    if (!e.isFile() || /\/(images|image-build|deb-cache|cache)\//.test(`${path.slice(dataDir.length)}/`)) continue;
    const bytes = await readFile(path).catch(() => null);
    if (bytes?.includes(marker)) hits.push(path);
  }
  return hits;
}

export interface EndToEndOptions {
  /** The appliance's environment beyond the KEK and config (a PostgreSQL store, S3). */
  env?: Record<string, string>;
  /** `build`: the first start builds the FFmpeg 7.1 image; `preloaded`: the test build is imported first. */
  image: 'build' | 'preloaded';
}

export async function jobEndToEnd(options: EndToEndOptions): Promise<void> {
  const cwd = tempDir('mpegflow-e2e-');
  seedDebCache(join(cwd, 'data'));
  const img = await testImage();
  const clip = join(cwd, 'master-1080p.mp4');
  const ff = img.argv('ffmpeg');
  // A marker in the container metadata: ffmpeg carries it into every rendition and the packages' init segments.
  const marker = `MPEGFLOW-MARKER-${randomBytes(6).toString('hex')}`;
  const gen = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('1920x1080', 3), '-metadata', `title=${marker}`, clip], {
    env: { LC_ALL: 'C' },
  });
  assert.is(gen.status, 0, String(gen.stderr));
  assert.ok(readFileSync(clip).includes(marker), 'the master carries the marker');
  const kekFile = join(cwd, 'facility-kek.hex');
  writeFileSync(kekFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const scratch = `/dev/shm/mpegflow-e2e-${randomBytes(4).toString('hex')}`;
  writeFileSync(join(cwd, 'config.json'), JSON.stringify({ atRest: { scratchDir: scratch } }));
  const env = { ...options.env, MPEGFLOW_KEK_FILE: kekFile, MPEGFLOW_CONFIG: join(cwd, 'config.json') };
  if (options.image === 'preloaded') await preloadEncoderImage(cwd, env);

  // The first start builds the encoder image (~55 s alone, longer on a busy host).
  const s = await startServer({ cwd, timeoutMs: 300_000, env });
  assert.match(s.output(), /encrypted at rest under kek-[0-9a-f]{16}/);
  const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();

  const api = apiClient(s.url, token);
  const auth = api.auth;
  const up = await api.upload(clip);
  assert.is(up.status, 201, await up.clone().text());
  const input = (await up.json()) as { key: string; sha256: string; size: number };
  assert.is(input.size, statSync(clip).size);

  // Watch /ws from before the submit: every state change of the job arrives live.
  const live: Array<{ type: string; jobId?: string; state?: string; kind?: string; fraction?: number | null }> = [];
  const ws = new WebSocket(`${s.url.replace(/^http/, 'ws')}/ws`, ['mpegflow.v1', `bearer.${token}`]);
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve()); // hello
    ws.once('error', reject);
  });
  ws.on('message', (d) => live.push(JSON.parse(String(d)) as (typeof live)[number]));

  const submitted = await api.submit({ input: { key: input.key }, ladder: 'professional', packaging: ['hls', 'dash'] });
  assert.is(submitted.status, 201, await submitted.clone().text());
  const job = (await submitted.json()) as { id: string };

  const ended = (e: (typeof live)[number]) =>
    e.type === 'job.state' && e.jobId === job.id && ['completed', 'failed', 'partial', 'cancelled'].includes(e.state ?? '');
  const dataDir = join(cwd, 'data');
  const seenInClear = new Set<string>();
  for (let i = 0; i < 1800 && !live.some(ended); i++) {
    for (const hit of await filesWithMarker(dataDir, Buffer.from(marker))) seenInClear.add(hit);
    await new Promise((r) => setTimeout(r, 200));
  }
  ws.close();
  for (const hit of await filesWithMarker(dataDir, Buffer.from(marker))) seenInClear.add(hit);
  assert.equal([...seenInClear], [], 'no file under the data dir held the marker in clear, during or after the job');
  const states = live.filter((e) => e.type === 'job.state' && e.jobId === job.id).map((e) => e.state);
  assert.is(states.at(-1), 'completed', `job states over /ws: ${states.join(',')}`);
  for (const st of ['probing', 'encoding', 'packaging']) assert.ok(states.includes(st), `/ws carried ${st}: ${states.join(',')}`);
  assert.ok(
    live.some((e) => e.type === 'task.state' && e.jobId === job.id && e.kind === 'encode' && e.state === 'succeeded'),
    'task states over /ws',
  );
  assert.ok(
    live.some((e) => e.type === 'task.progress' && e.jobId === job.id),
    'encode progress over /ws',
  );

  const detail = (await (await fetch(`${s.url}/api/v1/jobs/${job.id}`, { headers: auth })).json()) as {
    state: string;
    progress: number;
    outputs: Record<string, string> | null;
    encoder: string;
  };
  assert.is(detail.state, 'completed', JSON.stringify(detail));
  assert.is(detail.progress, 1);
  assert.equal(detail.outputs, { hls: 'hls/master.m3u8', dash: 'dash/manifest.mpd' });

  // ffprobe reads both manifests through the API (a client's ffprobe, with the bearer header).
  const probe = img.argv('ffprobe');
  for (const path of ['hls/master.m3u8', 'dash/manifest.mpd']) {
    const r = spawnSync(
      probe[0]!,
      [
        ...probe.slice(1),
        '-v',
        'error',
        '-headers',
        `Authorization: Bearer ${token}\r\n`,
        '-show_streams',
        '-of',
        'json',
        `${s.url}/api/v1/jobs/${job.id}/outputs/${path}`,
      ],
      { env: { LC_ALL: 'C' }, encoding: 'utf8', timeout: 60_000 },
    );
    assert.is(r.status, 0, `${path}: ${r.stderr}`);
    const streams = (JSON.parse(r.stdout) as { streams: { codec_name: string }[] }).streams;
    assert.ok(
      streams.some((x) => x.codec_name === 'h264'),
      path,
    );
    assert.ok(
      streams.some((x) => x.codec_name === 'aac'),
      path,
    );
  }
  const ranged = await fetch(`${s.url}/api/v1/jobs/${job.id}/outputs/hls/master.m3u8`, { headers: { ...auth, range: 'bytes=0-6' } });
  assert.is(ranged.status, 206);
  assert.is(await ranged.text(), '#EXTM3U');

  const audit = (await (await fetch(`${s.url}/api/v1/jobs/${job.id}/audit`, { headers: auth })).json()) as
    { items?: { type: string; payload: Record<string, unknown> }[] } | { type: string; payload: Record<string, unknown> }[];
  const events = Array.isArray(audit) ? audit : (audit.items ?? []);
  const types = events.map((e) => e.type);
  for (const t of ['job.submitted', 'task.started', 'job.probed', 'job.planned', 'task.succeeded', 'job.completed'])
    assert.ok(types.includes(t), `audit lacks ${t}: ${types.join(',')}`);
  const sub = events.find((e) => e.type === 'job.submitted')!.payload as { input: { sha256: string; size: number }; encoder: { id: string; version: string } };
  assert.is(sub.input.sha256, input.sha256);
  assert.is(sub.encoder.id, detail.encoder);
  const probed = events.find((e) => e.type === 'job.probed')!.payload as { ffprobe: unknown; verdict: { accepted: boolean } };
  assert.ok(probed.ffprobe && probed.verdict.accepted);
  assert.ok(
    events.some((e) => e.type === 'job.planned' && (e.payload as { plan: { rungs: unknown[] } }).plan.rungs.length === 4),
    '1080p master: four rungs, none upscaled',
  );
  const processes = events.filter((e) => e.type === 'task.succeeded');
  assert.ok(
    processes.every((e) => JSON.stringify(e.payload).includes('"argv"')),
    'every process has its exact argv',
  );
  const completed = events.find((e) => e.type === 'job.completed')!.payload as { outputs: { key: string; sha256: string }[] };
  assert.ok(completed.outputs.length > 4 && completed.outputs.every((o) => /^[0-9a-f]{64}$/.test(o.sha256)));
  // The audited sha256 is the plaintext's: what a consumer downloads hashes to it.
  for (const o of completed.outputs.slice(0, 6)) {
    const body = Buffer.from(await (await fetch(`${s.url}/api/v1/jobs/${job.id}/outputs/${o.key.slice(job.id.length + 1)}`, { headers: auth })).arrayBuffer());
    assert.is(createHash('sha256').update(body).digest('hex'), o.sha256, o.key);
  }
  assert.ok((await readdir(scratch)).length === 0, 'the memory-backed scratch is empty after the job');
  rmSync(scratch, { recursive: true, force: true });

  assert.is(await s.stop(), 0);
  const verify = runCli(['audit', 'verify'], { cwd, env });
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
}
