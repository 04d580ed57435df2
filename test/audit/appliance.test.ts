import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { requireGpg } from '../helpers/gpg.js';
import { tempDir } from '../helpers/temp-dir.js';
import { OFFLINE } from '../cli/deb-cache-seed.js';
import { gpgVerifyIn, untar } from './audit-fixture.js';

test.after(() => killServers());

const auditTypes = (data: string): Array<{ type: string; payload: Record<string, unknown> }> => {
  const db = new Database(join(data, 'mpegflow.db'), { readonly: true });
  const rows = db.prepare('SELECT type, payload FROM audit_events ORDER BY seq').all() as Array<{ type: string; payload: string }>;
  db.close();
  return rows.map((r) => ({ type: r.type, payload: JSON.parse(r.payload) as Record<string, unknown> }));
};

test('the appliance: nightly backups on the configured schedule with retention, exports over HTTP and the CLI, each verifying', async () => {
  requireGpg();
  const cwd = tempDir();
  const data = join(cwd, 'data');
  assert.is(runCli(['init'], { cwd }).code, 0);
  // Every second instead of nightly, keeping 2.
  writeFileSync(join(data, 'config.json'), JSON.stringify({ backups: { cron: '* * * * * *', retention: 2 } }));
  const server = await startServer({ cwd, env: OFFLINE });
  const until = Date.now() + 30_000;
  while (auditTypes(data).filter((e) => e.type === 'store.backup.pruned').length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  const token = readFileSync(join(data, 'secrets', 'admin.token'), 'utf8').trim();
  const res = await fetch(`${server.url}/api/v1/audit/exports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.is(res.status, 200, await res.clone().text());
  assert.is(res.headers.get('content-type'), 'application/x-tar');
  const viaHttp = join(cwd, 'http.tar');
  writeFileSync(viaHttp, Buffer.from(await res.arrayBuffer()));
  assert.is(await server.stop(), 0);

  const events = auditTypes(data);
  const created = events.filter((e) => e.type === 'store.backup.created');
  assert.ok(created.length >= 3, `${created.length} backups`);
  assert.ok(events.some((e) => e.type === 'store.backup.pruned'));
  const kept = readdirSync(join(data, 'backups')).filter((n) => n.endsWith('.db'));
  assert.is(kept.length, 2, kept.join(', '));
  for (const name of kept) {
    const check = runCli(['audit', 'verify', '--db', join(data, 'backups', name)], { cwd });
    assert.is(check.code, 0, check.stdout + check.stderr);
    const audited = created.find((e) => e.payload.file === name);
    assert.ok(audited, `${name} audited`);
  }

  const pub = join(data, 'trust', 'audit-key.pub.asc');
  const httpCheck = runCli(['audit', 'verify-bundle', viaHttp, '--key', pub], { cwd });
  assert.is(httpCheck.code, 0, httpCheck.stdout + httpCheck.stderr);
  assert.ok(gpgVerifyIn(untar(viaHttp), pub).ok);

  // The CLI export: its previous checkpoint is the HTTP export, and it extends it.
  const viaCli = join(cwd, 'cli.tar');
  const exported = runCli(['audit', 'export', '--out', viaCli], { cwd });
  assert.is(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /^Bundle: .*cli\.tar \(\d+ bytes, sha256 [0-9a-f]{64}\)$/m);
  assert.match(exported.stdout, /^Checkpoint: head seq \d+ [0-9a-f]{64}; previous export exp_[0-9a-z]+ head seq \d+$/m);
  const cliCheck = runCli(['audit', 'verify-bundle', viaCli, '--key', pub], { cwd });
  assert.is(cliCheck.code, 0, cliCheck.stdout);
  assert.match(cliCheck.stdout, /ok {6}checkpoint: extends the previous export exp_/);
  // --out is never overwritten.
  const again = runCli(['audit', 'export', '--out', viaCli], { cwd });
  assert.is(again.code, 1);
  assert.match(again.stderr, /already exists; an export never overwrites a file/);

  // An empty range through the CLI: a valid, empty, signed bundle; a bad range: a clear error, no file.
  const empty = join(cwd, 'empty.tar');
  const emptyRun = runCli(['audit', 'export', '--out', empty, '--from', '2099-01-01T00:00:00Z'], { cwd });
  assert.is(emptyRun.code, 0, emptyRun.stderr);
  assert.match(emptyRun.stdout, /^Events: 0 /m);
  assert.is(runCli(['audit', 'verify-bundle', empty, '--key', pub], { cwd }).code, 0);
  const badRange = runCli(['audit', 'export', '--out', join(cwd, 'bad.tar'), '--from', 'last tuesday'], { cwd });
  assert.is(badRange.code, 1);
  assert.match(badRange.stderr, /^mpegflow: from: not an ISO-8601 date-time/);
  assert.not.ok(existsSync(join(cwd, 'bad.tar')));
  const unknownJob = runCli(['audit', 'export', '--out', join(cwd, 'job.tar'), '--job', 'job_nope'], { cwd });
  assert.is(unknownJob.code, 1);
  assert.match(unknownJob.stderr, /no job job_nope/);

  // A manual backup.
  const manual = runCli(['backup'], { cwd });
  assert.is(manual.code, 0, manual.stderr);
  const path = /^Backup: (\S+) \(/m.exec(manual.stdout)?.[1];
  assert.ok(path && existsSync(path), manual.stdout);
  assert.is(runCli(['audit', 'verify', '--db', path!], { cwd }).code, 0);
  assert.is(readdirSync(join(data, 'backups')).filter((n) => n.endsWith('.db')).length, 2, 'retention applies to manual backups too');
});

test('CLI usage errors exit 2', () => {
  const cwd = tempDir();
  for (const args of [
    ['audit', 'export'],
    ['audit', 'verify-bundle'],
    ['audit', 'verify-bundle', 'a', 'b'],
  ]) {
    const r = runCli(args, { cwd });
    assert.is(r.code, 2, args.join(' '));
  }
  const missing = runCli(['audit', 'verify-bundle', join(cwd, 'nope.tar')], { cwd });
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /nope\.tar cannot be read/);
});

test.run();
