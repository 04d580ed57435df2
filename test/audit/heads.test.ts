import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chainHash, GENESIS_HASH, type StoredEvent } from '../../src/store/audit-chain.js';
import { lineHash, parseHeadLine, signedText } from '../../src/audit/head-record.js';
import { gpgVerify, requireGpg } from '../helpers/gpg.js';
import { tempDir } from '../helpers/temp-dir.js';
import { headsDataDir } from './heads-fixture.js';

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

test('the signer: nothing new, nothing signed; each head names the previous line; gpg verifies a head', async () => {
  requireGpg();
  const d = await headsDataDir();
  await d.append(3);
  const signer = await d.signer();
  assert.equal(await signer.open(), {
    state: 'started',
    log: ((await d.store.audit.list({ type: 'audit.head_log.started' }))[0]!.payload as { log: string }).log,
  });
  const first = await signer.sign('start');
  assert.ok(first);
  assert.is(first!.seq, 4, 'the head covers the audit.head_log.started event');
  assert.is(await signer.sign('interval'), null, 'nothing new, nothing signed');
  await d.append(2);
  const second = await signer.sign('interval');
  assert.is(second!.n, 2);
  assert.is(second!.seq, 6);
  const [l1, l2] = lines(d.logPath);
  assert.is(second!.previous, lineHash(`${l1}\n`));
  assert.is(second!.previous, createHash('sha256').update(`${l1}\n`).digest('hex'));
  // The record and its signature straight off the line, checked by GnuPG with only the public key.
  const [text, sig] = l2!.split('\t');
  assert.is(`${text}\n`, signedText(second!));
  const g = gpgVerify(d.key.publicArmored, Buffer.from(`${text}\n`), Buffer.from(sig!, 'base64'));
  assert.ok(g.ok, g.output);
  assert.match(g.output, /Good signature/);
  const ok = d.verify();
  assert.is(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^audit chain intact: 6 events, head seq 6 [0-9a-f]{64}/m);
  assert.match(ok.stdout, /^signed heads: 2 distinct heads agree with the chain \(newest: seq 6/m);
  await d.store.close();
});

test('dropping the triggers and deleting the last 5 events: audit verify exits 1 naming the missing seqs', async () => {
  requireGpg();
  const d = await headsDataDir();
  const signer = await d.signer();
  await signer.open();
  await d.append(10);
  await signer.sign('interval');
  await d.store.close();
  assert.is(d.verify().code, 0);
  const end = d.cutLast(5);
  assert.is(end, 6);
  // The chain on its own still recomputes: that is the hole this closes.
  const r = d.verify();
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /audit chain hashes recompute \(6 events, head seq 6 [0-9a-f]{64}\), but the chain does NOT agree with its signed heads/);
  assert.match(
    r.stdout,
    /^FAILED {2}AUDIT_CHAIN_TRUNCATED: the chain ends at seq 6, but .*audit-heads\.log line 1 \(head 1 of log hl_\w+, signed [^)]+\) certifies seq 11 [0-9a-f]{64}: events seq 7\.\.11 are missing$/m,
  );
});

test('a chain rewritten with every later hash recomputed disagrees with a signed head, naming the seq', async () => {
  const d = await headsDataDir();
  const signer = await d.signer();
  await signer.open();
  await d.append(6);
  await signer.sign('interval');
  await d.store.close();
  // Rewrite event 3 and recompute the chain after it, so the chain verifies on its own.
  const copy = d.copyDb();
  const db = new Database(copy);
  db.exec('DROP TRIGGER audit_events_no_update');
  const rows = db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as Array<StoredEvent & { payload: string }>;
  let prev = GENESIS_HASH;
  for (const r of rows) {
    const payload = r.seq === 3 ? '{"i":99}' : r.payload;
    const hash = chainHash(prev, { ...r, payload: JSON.parse(payload) as unknown });
    db.prepare('UPDATE audit_events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(payload, prev, hash, r.seq);
    prev = hash;
  }
  db.close();
  assert.is(d.verify(['--db', copy]).code, 0, 'the rewritten chain verifies on its own');
  const r = d.verify(['--db', copy, '--heads', d.logPath]);
  assert.is(r.code, 1, r.stdout);
  assert.match(
    r.stdout,
    /FAILED {2}AUDIT_CHAIN_HEAD_MISMATCH: the chain's hash at seq 7 is [0-9a-f]{64}, but --heads .* certifies [0-9a-f]{64}: the chain was rewritten at or before seq 7/,
  );
});

test('a head log edited, cut, torn or signed by another key: each a stable code', async () => {
  requireGpg();
  const d = await headsDataDir();
  const signer = await d.signer();
  await signer.open();
  for (let i = 0; i < 4; i++) {
    await d.append(1);
    await signer.sign('interval');
  }
  await d.store.close();
  const original = readFileSync(d.logPath, 'utf8');
  const ls = original.split('\n').filter(Boolean);
  const withLog = (text: string) => {
    writeFileSync(d.logPath, text);
    const r = d.verify();
    writeFileSync(d.logPath, original);
    return r;
  };
  // A line removed from the middle.
  const removed = withLog([ls[0], ls[1], ls[3]].map((l) => `${l}\n`).join(''));
  assert.is(removed.code, 1);
  assert.match(removed.stdout, /AUDIT_HEAD_LOG_BROKEN: .*audit-heads\.log: line 3: head 4 follows head 2: heads 3\.\.3 were removed/);
  // The first lines removed.
  const headless = withLog([ls[2], ls[3]].map((l) => `${l}\n`).join(''));
  assert.match(headless.stdout, /AUDIT_HEAD_LOG_BROKEN: .*line 1: log hl_\w+ starts at head 3, not 1: its first heads were removed/);
  // A record edited: its signature no longer verifies (and the next back-link breaks).
  const edited = withLog(original.replace(/"seq":(\d+)/, (_, s: string) => `"seq":${Number(s) + 1}`));
  assert.match(edited.stdout, /AUDIT_HEAD_SIGNATURE_INVALID: .*line 1 \(head 1, seq \d+\): signature does not verify/);
  assert.match(edited.stdout, /AUDIT_HEAD_LOG_BROKEN: .*line 2 \(head 2\): its back-link does not name line 1/);
  // Torn: the last line cut mid-way.
  const torn = withLog(original.slice(0, original.length - 20));
  assert.match(torn.stdout, /AUDIT_HEAD_LOG_BROKEN: .*line 4: ends without a newline: the log was cut or a write torn/);
  // Not a record at all.
  const junk = withLog(`${original}hello\n`);
  assert.match(junk.stdout, /AUDIT_HEAD_LOG_MALFORMED: .*line 5: not "record TAB signature"/);
  // A head appended, signed by another key.
  const other = await headsDataDir();
  const otherSigner = await other.signer();
  await otherSigner.open();
  await other.append(20);
  await otherSigner.sign('interval');
  await other.store.close();
  const foreign = withLog(original + readFileSync(other.logPath, 'utf8'));
  assert.is(foreign.code, 1);
  assert.match(foreign.stdout, /AUDIT_HEAD_FOREIGN_KEY: .*line 5 \(head 1, seq 21\): signed by key [0-9A-F]{16}, not the audit key [0-9A-F]{40}/);
  assert.not.match(foreign.stdout, /AUDIT_CHAIN_TRUNCATED/, 'a foreign head is not believed');
  assert.is(d.verify().code, 0, 'the untouched log verifies');
  // parseHeadLine refuses a non-canonical record.
  const [text, sig] = ls[0]!.split('\t');
  assert.is(parseHeadLine(`${JSON.stringify(JSON.parse(text!), null, 1).replace(/\n/g, '')}\t${sig}`, 1), 'the record is not in canonical form');
});

test('head log missing at start: a new log and an audited gap; a clock going back is audited, never fatal', async () => {
  let clock = Date.parse('2026-12-01T10:00:00.000Z');
  const d = await headsDataDir({ now: () => new Date(clock) });
  const first = await d.signer();
  const opened = await first.open();
  assert.is(opened.state, 'started');
  await d.append(2);
  await first.sign('interval');
  rmSync(d.logPath);
  const second = await d.signer();
  const reopened = await second.open();
  assert.is(reopened.state, 'gap');
  if (reopened.state !== 'gap' || opened.state !== 'started') throw new Error('unreachable');
  assert.is(reopened.previousLog, opened.log);
  const gap = (await d.store.audit.list({ type: 'audit.head_log.gap' }))[0]!;
  assert.is(gap.seq, reopened.seq);
  assert.equal((gap.payload as { reason: string }).reason, 'the head log was missing at start');
  // The clock jumps back an hour: recorded in the chain, and the head still signed, covering the record.
  clock -= 3600_000;
  await d.append(1);
  const afterJump = await second.sign('interval');
  assert.ok(afterJump);
  assert.is(afterJump!.n, 2 - 1, 'the new log starts at 1');
  clock += 1000;
  await d.append(1);
  clock -= 5000;
  const back = await second.sign('interval');
  assert.ok(back, 'signed despite the clock');
  const went = await d.store.audit.list({ type: 'audit.clock_went_back' });
  assert.is(went.length, 1);
  assert.is((went[0]!.payload as { behindMs: number }).behindMs, 4000);
  assert.is(back!.seq, went[0]!.seq, 'the head covers the clock record');
  await d.store.close();
  assert.is(d.verify().code, 0, d.verify().stdout);
});

test('an auditor copy (--heads) still shows the cut when the data dir log was cut with the chain; without it, verify says a cut cannot be seen', async () => {
  const d = await headsDataDir();
  const signer = await d.signer();
  await signer.open();
  await d.append(8);
  await signer.sign('interval');
  const auditorCopy = join(tempDir(), 'heads-kept-by-auditor.log');
  writeFileSync(auditorCopy, readFileSync(d.logPath));
  await d.store.close();
  d.cutLast(3);
  rmSync(d.logPath);
  const blind = d.verify();
  assert.is(blind.code, 0);
  assert.match(blind.stdout, /signed heads: none found .*a cut-off end cannot be detected/);
  const r = d.verify(['--heads', auditorCopy]);
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stdout, /AUDIT_CHAIN_TRUNCATED: the chain ends at seq 6, but --heads .*heads-kept-by-auditor\.log line 1 .* events seq 7\.\.9 are missing/);
});

test.run();
