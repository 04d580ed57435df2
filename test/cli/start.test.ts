import Database from 'better-sqlite3';
import { createServer } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { gpgVerify, requireGpg } from '../helpers/gpg.js';
import { tempDir } from '../helpers/temp-dir.js';
import { OFFLINE, seedDebCache } from './deb-cache-seed.js';

async function expectStartFailure(cwd: string, env: Record<string, string> = {}): Promise<string> {
  try {
    const s = await startServer({ cwd, env });
    await s.stop();
  } catch (err) {
    const e = err as { code?: number; output?: string };
    assert.is(e.code, 1, e.output);
    return e.output ?? '';
  }
  throw new Error('start should have failed');
}

test('first start builds, signs and imports the FFmpeg 7.1 image, serves /healthz, and audits start and stop', async () => {
  const cwd = tempDir();
  seedDebCache(join(cwd, 'data'));
  const began = Date.now();
  const s = await startServer({ cwd });
  const firstStartMs = Date.now() - began;
  assert.match(s.output(), /Encoder image: building debian-ffmpeg-7\.1 from the committed lock/);
  const id = /imported as ([0-9a-f]{64})/.exec(s.output())?.[1];
  assert.ok(id, s.output());
  assert.ok(firstStartMs < 180_000, `first start took ${firstStartMs} ms`);
  assert.match(s.output(), /Admin token: .*secrets\/admin\.token/);
  const health = await fetch(`${s.url}/healthz`);
  assert.is(health.status, 200);
  // The test helper's plain-HTTP opt-in: the operator hop is in clear (on loopback), and /healthz says so.
  assert.equal(await health.json(), { status: 'ok', inClear: ['operator'] });
  const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
  const me = await fetch(`${s.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
  const pools = (await (await fetch(`${s.url}/api/v1/pools`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    items: { name: string; cores: number[]; slots: number }[];
  };
  assert.equal(
    pools.items.map((p) => p.name),
    ['probe', 'encode', 'package'],
  );
  assert.ok(pools.items.every((p) => p.cores.length > 0 && p.slots > 0));
  assert.match(s.output(), /Object store: embedded/);
  assert.is(me.status, 200);
  const encoders = (await (await fetch(`${s.url}/api/v1/encoders`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    items: Array<{ id: string; state: string; default: boolean }>;
  };
  assert.equal(
    encoders.items.map((i) => [i.id, i.state, i.default]),
    [[id, 'verified', true]],
  );
  assert.is(await s.stop(), 0);
  const verify = runCli(['audit', 'verify'], { cwd });
  assert.is(verify.code, 0, verify.stderr);
  // init's 4, audit.head_log.started, the image import, appliance.started, node.joined, node.left, appliance.stopped.
  assert.match(verify.stdout, /audit chain intact: 10 events/);
  assert.match(verify.stdout, /signed heads: 2 distinct heads agree with the chain \(newest: seq 10,/, 'heads signed at start and at the stop');
  const db = new Database(join(cwd, 'data', 'mpegflow.db'), { readonly: true });
  const started = db.prepare("SELECT payload FROM audit_events WHERE type = 'appliance.started'").get() as { payload: string };
  const stopped = db.prepare("SELECT payload FROM audit_events WHERE type = 'appliance.stopped'").get() as { payload: string };
  db.close();
  const payload = JSON.parse(started.payload) as Record<string, unknown>;
  assert.is(payload.version, '0.1.0');
  assert.match(String(payload.configSha256), /^[0-9a-f]{64}$/);
  assert.equal(payload.encoderImages, [{ id, name: 'debian-ffmpeg-7.1', version: (payload.encoderImages as Array<{ version: string }>)[0]?.version }]);
  assert.match((payload.encoderImages as Array<{ version: string }>)[0]?.version ?? '', /^7\.1\./);
  assert.match(stopped.payload, /SIGTERM/);

  // Imported under <data>/images/<id>, signed by the appliance's own key (GnuPG agrees).
  const imageDir = join(cwd, 'data', 'images', id);
  assert.ok(existsSync(join(imageDir, 'bin', 'ffmpeg')));
  requireGpg();
  const gpg = gpgVerify(
    readFileSync(join(cwd, 'data', 'trust', 'audit-key.pub.asc'), 'utf8'),
    readFileSync(join(imageDir, 'manifest.json')),
    readFileSync(join(imageDir, 'manifest.json.asc'), 'utf8'),
  );
  assert.ok(gpg.ok, gpg.output);
  const images = runCli(['images', 'verify'], { cwd });
  assert.is(images.code, 0, images.stdout + images.stderr);
  assert.match(images.stdout, /all 1 encoder image\(s\) verify/);

  // A second start re-verifies and builds nothing.
  const again = await startServer({ cwd, env: OFFLINE });
  assert.not.match(again.output(), /building/);
  assert.is((await fetch(`${again.url}/healthz`)).status, 200);
  await again.stop();
});

test('a host that cannot reach a Debian archive: one line saying how to import an image; start runs degraded', async () => {
  const cwd = tempDir();
  const s = await startServer({ cwd, env: OFFLINE });
  const lines = s
    .output()
    .split('\n')
    .filter((l) => /mpegflow images import/.test(l));
  assert.is(lines.length, 1, s.output());
  assert.match(
    lines[0] ?? '',
    /^Encoder image: the FFmpeg 7\.1 image cannot be built here \(DEBIAN_MIRROR_UNREACHABLE: .*\); import one with `mpegflow images import DIR` .*`mpegflow images import-host`/,
  );
  const health = await fetch(`${s.url}/healthz`);
  assert.is(health.status, 503);
  const body = (await health.json()) as { checks: Record<string, { ok: boolean; detail: string }> };
  assert.equal(Object.keys(body.checks), ['encoderImages']);
  assert.match(body.checks.encoderImages?.detail ?? '', /no verified encoder image/);
  await s.stop();
  const db = new Database(join(cwd, 'data', 'mpegflow.db'), { readonly: true });
  const failed = db.prepare("SELECT payload FROM audit_events WHERE type = 'encoder_image.build_failed'").get() as { payload: string };
  db.close();
  assert.match(failed.payload, /"offline":true/);
});

test('a port in use is waited for (http.bindWaitSeconds), then one clear line naming the holder, exit 1, nothing created', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const cwd = tempDir();
  const config = join(cwd, 'config.json');
  writeFileSync(config, JSON.stringify({ http: { bindWaitSeconds: 1 } }));
  const out = await expectStartFailure(cwd, { MPEGFLOW_PORT: String(port), MPEGFLOW_CONFIG: config, ...OFFLINE });
  blocker.close();
  assert.match(out, new RegExp(`waiting up to 1 s for it`));
  assert.match(
    out,
    new RegExp(`mpegflow: MPEGFLOW_PORT: 127\\.0\\.0\\.1:${port} is in use by another process \\(waited [\\d.]+ s\\); held by pid ${process.pid} `),
  );
  assert.not.match(out, /\n\s+at /);
  assert.not.ok(existsSync(join(cwd, 'data')), 'the port is bound before anything else: no data dir was created');
});

test('a corrupt database is refused with one line and left untouched', async () => {
  const cwd = tempDir();
  assert.is(runCli(['init'], { cwd }).code, 0);
  const path = join(cwd, 'data', 'mpegflow.db');
  for (const f of ['-wal', '-shm']) writeFileSync(path + f, '');
  const junk = Buffer.alloc(64 * 1024, 0x41);
  writeFileSync(path, junk);
  const out = await expectStartFailure(cwd);
  assert.match(out, /mpegflow: database .*mpegflow\.db is corrupt or not a SQLite database/);
  assert.ok(readFileSync(path).equals(junk), 'file untouched');
});

test('a database from a newer appliance is refused', async () => {
  const cwd = tempDir();
  assert.is(runCli(['init'], { cwd }).code, 0);
  const db = new Database(join(cwd, 'data', 'mpegflow.db'));
  db.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('e'.repeat(64), 4102444800000);
  db.close();
  const out = await expectStartFailure(cwd);
  assert.match(out, /mpegflow: database .* was migrated by a newer appliance/);
});

test('a tampered chain: audit verify names the seq; start runs degraded and changes nothing', async () => {
  const cwd = tempDir();
  assert.is(runCli(['init'], { cwd }).code, 0);
  const path = join(cwd, 'data', 'mpegflow.db');
  const db = new Database(path);
  db.exec('DROP TRIGGER audit_events_no_update');
  db.prepare(`UPDATE audit_events SET payload = '{"name":"admin","role":"viewer"}' WHERE seq = 2`).run();
  db.close();
  const verify = runCli(['audit', 'verify'], { cwd });
  assert.is(verify.code, 1);
  assert.match(verify.stdout, /audit chain BROKEN at seq 2: hash does not match/);
  const s = await startServer({ cwd, env: OFFLINE });
  assert.match(s.output(), /WARNING: audit chain broken at seq 2/);
  const health = await fetch(`${s.url}/healthz`);
  assert.is(health.status, 503);
  const body = (await health.json()) as { status: string; checks: Record<string, { detail: string }> };
  assert.is(body.status, 'degraded');
  assert.match(body.checks.auditChain?.detail ?? '', /seq 2/);
  await s.stop();
  const after = new Database(path, { readonly: true });
  const row = after.prepare('SELECT payload FROM audit_events WHERE seq = 2').get() as { payload: string };
  after.close();
  assert.is(row.payload, '{"name":"admin","role":"viewer"}', 'evidence kept as found');
});

test('audit verify --db checks a copy (a backup) read-only', () => {
  const cwd = tempDir();
  assert.is(runCli(['init'], { cwd }).code, 0);
  const r = runCli(['audit', 'verify', '--db', join(cwd, 'data', 'mpegflow.db')], { cwd: tempDir() });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /intact: 4 events/);
  const missing = runCli(['audit', 'verify', '--db', join(cwd, 'nope.db')], { cwd });
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /^mpegflow: database .*nope\.db/);
});

test.after(killServers);

test.run();
