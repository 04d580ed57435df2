// End to end through the real server (`mpegflow start`, as `npm start` runs it): first start
// builds the FFmpeg 7.1 image, then upload a generated 1080p clip, submit, follow the job to
// completed over /ws, read the outputs back through the API with ffprobe, check the audit trail.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { seedDebCache } from '../cli/deb-cache-seed.js';
import { apiClient } from '../helpers/api-client.js';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testClipArgs } from '../helpers/clip-args.js';

test.after(killServers);

test('npm start → upload → submit → completed → outputs read through the API → audit complete and verified', async () => {
  const cwd = tempDir('mpegflow-e2e-');
  seedDebCache(join(cwd, 'data'));
  const img = await testImage();
  const clip = join(cwd, 'master-1080p.mp4');
  const ff = img.argv('ffmpeg');
  const gen = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('1920x1080', 3), clip], { env: { LC_ALL: 'C' } });
  assert.is(gen.status, 0, String(gen.stderr));

  // The first start builds the encoder image (~55 s alone, longer on a busy host).
  const s = await startServer({ cwd, timeoutMs: 300_000 });
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
  for (let i = 0; i < 1800 && !live.some(ended); i++) await new Promise((r) => setTimeout(r, 200));
  ws.close();
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

  assert.is(await s.stop(), 0);
  const verify = runCli(['audit', 'verify'], { cwd });
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
});

test.run();
