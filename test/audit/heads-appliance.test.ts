import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OFFLINE } from '../cli/deb-cache-seed.js';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { requireGpg } from '../helpers/gpg.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sh } from './audit-fixture.js';

test.after(() => killServers());

const headLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
const record = (line: string) => JSON.parse(line.split('\t')[0]!) as { n: number; seq: number; reason: string; log: string };
const waitFor = async (what: string, ok: () => boolean, ms = 30_000) => {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

test('the appliance signs heads at start, on the interval and at a clean stop, into the log and the sink; a cut chain fails verify and degrades /healthz', async () => {
  requireGpg();
  const cwd = tempDir();
  const data = join(cwd, 'data');
  const sink = tempDir('mpegflow-head-sink-');
  assert.is(runCli(['init'], { cwd }).code, 0);
  writeFileSync(join(data, 'config.json'), JSON.stringify({ auditHeads: { intervalSeconds: 1, sink } }));
  const log = join(data, 'audit-heads.log');
  const server = await startServer({ cwd, env: OFFLINE });
  await waitFor('the start head', () => headLines(log).length >= 1);
  assert.is(record(headLines(log)[0]!).reason, 'start');
  // Events appended by another process (the CLI) are signed by the running appliance within the interval.
  assert.is(runCli(['users', 'add', 'bob', '--role', 'viewer'], { cwd }).code, 0);
  await waitFor('an interval head', () => headLines(log).some((l) => record(l).reason === 'interval'));
  assert.is(await server.stop(), 0);

  const lines = headLines(log);
  const last = record(lines.at(-1)!);
  assert.is(last.reason, 'stop');
  const head = sh(
    ['sqlite3', join(data, 'mpegflow.db'), 'SELECT max(seq), (SELECT type FROM audit_events ORDER BY seq DESC LIMIT 1) FROM audit_events'],
    cwd,
  ).out.trim();
  assert.is(head, `${last.seq}|appliance.stopped`, 'the stop head covers appliance.stopped');
  const sinkFiles = readdirSync(sink).sort();
  assert.is(sinkFiles.length, lines.length);
  assert.equal(
    sinkFiles.map((f) => readFileSync(join(sink, f), 'utf8')),
    lines.map((l) => `${l}\n`),
  );
  const ok = runCli(['audit', 'verify'], { cwd });
  assert.is(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, new RegExp(`signed heads: ${lines.length} distinct heads agree with the chain`));

  // The insider: triggers dropped, the last 5 events deleted, and the head log removed too.
  const cut = sh(['sqlite3', join(data, 'mpegflow.db'), `DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE seq > ${last.seq - 5};`], cwd);
  assert.is(cut.status, 0, cut.out);
  rmSync(log);
  const bad = runCli(['audit', 'verify'], { cwd });
  assert.is(bad.code, 1, bad.stdout);
  assert.match(
    bad.stdout,
    new RegExp(
      `FAILED  AUDIT_CHAIN_TRUNCATED: the chain ends at seq ${last.seq - 5}, but .*\\(sink\\) .* events seq ${last.seq - 4}\\.\\.${last.seq} are missing`,
    ),
  );

  // The next start: the missing log is a warning and an audited gap; the cut is a finding, /healthz degraded.
  const again = await startServer({ cwd, env: OFFLINE });
  assert.match(
    again.output(),
    /WARNING: the audit head log .*audit-heads\.log was missing or unreadable \(previous log hl_\w+\); a new log hl_\w+ was started and the gap audited at seq \d+/,
  );
  assert.match(again.output(), /WARNING: the audit chain does not agree with its signed heads \(1 finding\(s\)\): AUDIT_CHAIN_TRUNCATED/);
  const health = await fetch(`${again.url}/healthz`);
  assert.is(health.status, 503);
  const body = (await health.json()) as { status: string; checks: Record<string, { ok: boolean; detail: string }> };
  assert.is(body.checks['auditHeads']?.ok, false);
  assert.match(body.checks['auditHeads']!.detail, new RegExp(`AUDIT_CHAIN_TRUNCATED: .*events seq ${last.seq - 4}\\.\\.${last.seq} are missing`));
  assert.is(await again.stop(), 0);
  assert.is(record(headLines(log)[0]!).n, 1, 'a new log');
});

test('config: auditHeads keys are checked; a sink inside the data dir is refused', () => {
  const cwd = tempDir();
  const data = join(cwd, 'data');
  assert.is(runCli(['init'], { cwd }).code, 0);
  for (const [config, message] of [
    [{ auditHeads: { intervalSecs: 5 } }, /auditHeads\.intervalSecs: unknown key/],
    [{ auditHeads: { intervalSeconds: 0 } }, /auditHeads\.intervalSeconds: /],
    [{ auditHeads: { sink: 'relative/dir' } }, /auditHeads\.sink: must be an absolute path/],
    [{ auditHeads: { sink: join(data, 'heads') } }, /auditHeads\.sink: .* is inside the data dir; the sink must be on another volume/],
  ] as const) {
    writeFileSync(join(data, 'config.json'), JSON.stringify(config));
    const r = runCli(['audit', 'verify'], { cwd });
    assert.is(r.code, 1, JSON.stringify(config));
    assert.match(r.stderr, message);
  }
});

test.run();
