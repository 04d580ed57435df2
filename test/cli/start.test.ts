import Database from 'better-sqlite3';
import { createServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

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

test('start serves /healthz, authenticates with the admin token, and audits start and stop', async () => {
  const cwd = tempDir();
  const s = await startServer({ cwd });
  assert.match(s.output(), /Admin token: .*secrets\/admin\.token/);
  const health = await fetch(`${s.url}/healthz`);
  assert.is(health.status, 200);
  assert.equal(await health.json(), { status: 'ok' });
  const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
  const me = await fetch(`${s.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
  assert.is(me.status, 200);
  assert.is(await s.stop(), 0);
  const verify = runCli(['audit', 'verify'], { cwd });
  assert.is(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /audit chain intact: 5 events/);
  const db = new Database(join(cwd, 'data', 'mpegflow.db'), { readonly: true });
  const started = db.prepare("SELECT payload FROM audit_events WHERE type = 'appliance.started'").get() as { payload: string };
  const stopped = db.prepare("SELECT payload FROM audit_events WHERE type = 'appliance.stopped'").get() as { payload: string };
  db.close();
  const payload = JSON.parse(started.payload) as Record<string, unknown>;
  assert.is(payload.version, '0.1.0');
  assert.match(String(payload.configSha256), /^[0-9a-f]{64}$/);
  assert.ok(Array.isArray(payload.encoderImages));
  assert.match(stopped.payload, /SIGTERM/);
});

test('a port in use is one clear line and exit 1', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const out = await expectStartFailure(tempDir(), { MPEGFLOW_PORT: String(port) });
  blocker.close();
  assert.match(out, new RegExp(`mpegflow: MPEGFLOW_PORT: 127\\.0\\.0\\.1:${port} is already in use`));
  assert.not.match(out, /\n\s+at /);
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
  const s = await startServer({ cwd });
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
  assert.match(r.stdout, /intact: 3 events/);
  const missing = runCli(['audit', 'verify', '--db', join(cwd, 'nope.db')], { cwd });
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /^mpegflow: database .*nope\.db/);
});

test.after(killServers);

test.run();
