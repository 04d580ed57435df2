import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/cli.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { tempDir } from '../helpers/temp-dir.js';

function events(cwd: string): Array<{ type: string; payload: Record<string, unknown> }> {
  const db = new Database(join(cwd, 'data', 'mpegflow.db'), { readonly: true });
  const rows = db.prepare('SELECT type, payload FROM audit_events ORDER BY seq').all() as Array<{ type: string; payload: string }>;
  db.close();
  return rows.map((r) => ({ type: r.type, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}

test('import-host makes, signs and imports an image of a (fake) host ffmpeg; list, verify, remove (refused while pinned)', async () => {
  const host = await testImage(); // the "host": its binaries, loader and library dirs (only read)
  const cwd = tempDir();
  const empty = runCli(['images', 'verify'], { cwd });
  assert.is(empty.code, 1, 'no image registered: nothing verifies');
  const args = [
    'images',
    'import-host',
    '--ffmpeg',
    join(host.dir, 'bin/ffmpeg'),
    '--ffprobe',
    join(host.dir, 'bin/ffprobe'),
    '--loader',
    join(host.dir, host.manifest.run.loader),
    '--library-path',
    host.manifest.run.libraryPath.map((d) => join(host.dir, d)).join(':'),
  ];
  if (existsSync(join(host.dir, 'lib/gconv'))) args.push('--gconv', join(host.dir, 'lib/gconv'));
  const made = runCli(args, { cwd });
  assert.is(made.code, 0, made.stderr);
  const id = /imported ([0-9a-f]{64}) {2}host-ffmpeg 7\.1\./.exec(made.stdout)?.[1];
  assert.ok(id, made.stdout);
  const imageDir = join(cwd, 'data', 'images', id);
  const manifest = JSON.parse(readFileSync(join(imageDir, 'manifest.json'), 'utf8')) as { source: { kind: string }; files: Array<{ path: string }> };
  assert.is(manifest.source.kind, 'host');
  assert.ok(
    manifest.files.some((f) => f.path === 'lib/libavcodec.so.61'),
    'library closure copied',
  );
  assert.ok(
    manifest.files.some((f) => f.path === 'lib/libblas.so.3'),
    'libraries from sub-folders flattened into lib/',
  );
  assert.ok(existsSync(join(imageDir, 'manifest.json.asc')), 'signed');

  const list = runCli(['images', 'list'], { cwd });
  assert.is(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`\\* ${id}  host-ffmpeg  7\\.1\\.\\S+  verified`));
  const verify = runCli(['images', 'verify'], { cwd });
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, new RegExp(`ok    ${id}  host-ffmpeg`));

  // A job pins the image: removal refused, audited.
  const db = new Database(join(cwd, 'data', 'mpegflow.db'));
  const now = new Date().toISOString();
  db.prepare(
    "INSERT INTO jobs (id, state, input_key, ladder, packaging, encoder_image, policy, submitted_by, created_at, updated_at) VALUES ('job_1', 'completed', 'k', 'professional', '[\"hls\"]', ?, '{}', 'test', ?, ?)",
  ).run(id, now, now);
  db.close();
  const refused = runCli(['images', 'remove', id], { cwd });
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /is pinned by 1 job\(s\) and cannot be removed/);
  assert.ok(existsSync(imageDir));
  assert.ok(events(cwd).some((e) => e.type === 'encoder_image.remove_refused' && e.payload.imageId === id));

  // One changed byte: verify names the file and exits 1; the failure is audited.
  const file = join(imageDir, 'bin/ffprobe');
  const bytes = readFileSync(file);
  bytes[100] = (bytes[100] ?? 0) ^ 0xff;
  writeFileSync(file, bytes);
  const bad = runCli(['images', 'verify'], { cwd });
  assert.is(bad.code, 1);
  assert.match(bad.stdout, new RegExp(`FAIL  ${id}  host-ffmpeg \\S+: sha256 of bin/ffprobe is`));
  assert.ok(events(cwd).some((e) => e.type === 'encoder_image.verification_failed' && e.payload.imageId === id && e.payload.stage === 'verify'));
  assert.match(runCli(['images', 'list'], { cwd }).stdout, /unverified/);

  const db2 = new Database(join(cwd, 'data', 'mpegflow.db'));
  db2.prepare("DELETE FROM jobs WHERE id = 'job_1'").run();
  db2.close();
  const removed = runCli(['images', 'remove', id], { cwd });
  assert.is(removed.code, 0, removed.stderr);
  assert.not.ok(existsSync(imageDir), 'folder deleted');
  assert.ok(events(cwd).some((e) => e.type === 'encoder_image.removed' && e.payload.imageId === id));
  assert.match(runCli(['images', 'list'], { cwd }).stdout, /no encoder images registered/);
  assert.is(runCli(['audit', 'verify'], { cwd }).code, 0);
});

test('import of an unsigned folder is one clear line and exit 1; bad usage exits 2', async () => {
  const cwd = tempDir();
  const host = await testImage();
  const r = runCli(['images', 'import', host.dir], { cwd });
  assert.is(r.code, 1);
  assert.match(r.stderr, /^mpegflow: encoder image at .* is unusable: manifest\.json is unsigned \(no manifest\.json\.asc\)\n$/);
  assert.ok(events(cwd).some((e) => e.type === 'encoder_image.verification_failed' && e.payload.stage === 'import'));
  assert.is(runCli(['images', 'import'], { cwd }).code, 2);
  assert.is(runCli(['images', 'frobnicate'], { cwd }).code, 2);
});

test.run();
