import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import type { BundleManifest } from '../../src/audit/bundle-format.js';
import { AuditExporter } from '../../src/audit/audit-exporter.js';
import { verifyBundle } from '../../src/audit/bundle-verifier.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { generateSigningKey, signDetached } from '../../src/signing/openpgp-keys.js';
import { canonicalEvent, chainHash } from '../../src/store/audit-chain.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCli } from '../helpers/cli.js';
import { requireGpg } from '../helpers/gpg.js';
import { tempDir } from '../helpers/temp-dir.js';
import { auditFixture, filesIn, FFPROBE_OUTPUT, gpgVerifyIn, jobLifecycle, readJson, retar, sh, untar, type AuditFixture } from './audit-fixture.js';

let f: AuditFixture;
let bundle: string;
let extracted: string;

test.before(async () => {
  requireGpg();
  f = await auditFixture();
  await jobLifecycle(f, 'job_a');
  await jobLifecycle(f, 'job_b');
  bundle = join(tempDir(), 'whole.tar');
  await f.exporter.export(bundle, {}, 'token:tok_auditor');
  extracted = untar(bundle);
});
test.after(async () => {
  await f.store.close();
});

const verifyCli = (file: string, key?: string, extra: string[] = []) =>
  runCli(['audit', 'verify-bundle', file, ...(key ? ['--key', key] : []), ...extra], { cwd: tempDir() });

test('a whole-chain bundle verifies with gpg, sha256sum -c and mpegflow audit verify-bundle', async () => {
  const files = filesIn(extracted);
  for (const name of [
    'VERIFY.md',
    'audit-key.asc',
    'anchor.json',
    'events.jsonl',
    'SHA256SUMS',
    'manifest.json',
    'manifest.json.asc',
    'jobs/job_a.json',
    'jobs/job_b.json',
  ]) {
    assert.ok(files.includes(name), `${name} in the bundle (has ${files.join(', ')})`);
  }
  assert.ok(
    files.includes(`images/${f.imageId}.manifest.json`) && files.includes(`images/${f.imageId}.manifest.json.asc`),
    'encoder image manifest and signature',
  );
  const gpg = gpgVerifyIn(extracted, f.publicKeyPath);
  assert.ok(gpg.ok, gpg.out);
  assert.match(gpg.out, /Good signature/);
  const sums = sh(['sha256sum', '--strict', '-c', 'SHA256SUMS'], extracted);
  assert.is(sums.status, 0, sums.out);
  assert.not.match(sums.out, /FAILED/);
  const cli = verifyCli(bundle, f.publicKeyPath);
  assert.is(cli.code, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /ok {6}signature: good, by [0-9A-F]{40} \(the --key given\)/);
  assert.match(cli.stdout, /bundle verifies/);

  const manifest = readJson<BundleManifest>(join(extracted, 'manifest.json'));
  const stored = await f.store.audit.list({ limit: 10000 });
  const all = stored.filter((e) => e.seq <= manifest.chain.last.seq);
  assert.is(stored[all.length]?.type, 'audit.exported', 'the export itself is audited after the events it holds');
  assert.equal(manifest.chain.anchor, { seq: 0, hash: '0'.repeat(64) });
  assert.equal(manifest.chain.last, { seq: all.at(-1)!.seq, hash: all.at(-1)!.hash });
  assert.equal(manifest.checkpoint.head, manifest.chain.last);
  assert.is(manifest.checkpoint.previous, null);
  assert.is(manifest.auditKeyFingerprint, f.key.fingerprint);
  // events.jsonl: exactly the canonical bytes that were hashed, one per line, in order.
  const lines = readFileSync(join(extracted, 'events.jsonl'), 'utf8').split('\n');
  assert.is(lines.pop(), '');
  assert.equal(
    lines,
    all.map((e) => canonicalEvent(e)),
  );
  // Job records and ffprobe outputs.
  const jobA = readJson<{ job: { id: string; state: string }; tasks: Array<{ id: string }> }>(join(extracted, 'jobs/job_a.json'));
  assert.is(jobA.job.state, 'completed');
  assert.is(jobA.tasks[0]?.id, 'job_a_probe');
  const probe = files.find((n) => /^jobs\/job_a\.ffprobe\.\d+\.json$/.test(n));
  assert.ok(probe);
  assert.equal(readJson(join(extracted, probe!)), FFPROBE_OUTPUT);
  assert.is(readFileSync(join(extracted, `images/${f.imageId}.manifest.json`), 'utf8'), f.imageManifest);
});

test('the VERIFY.md recipes work as written (sha256sum, jq and the python chain walk)', () => {
  const md = readFileSync(join(extracted, 'VERIFY.md'), 'utf8');
  const blocks = [...md.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => !/gpg|images\/ID/.test(b));
  assert.ok(blocks.length >= 4, 'the shell recipes');
  for (const block of blocks) {
    if (/\bjq\b/.test(block) && sh(['sh', '-c', 'command -v jq'], extracted).status !== 0) continue;
    const r = sh(['bash', '-e', '-c', block], extracted);
    assert.is(r.status, 0, `${block}\n${r.out}`);
  }
  const walk = sh(['bash', '-e', '-c', blocks.find((b) => b.includes('python3'))!], extracted);
  const manifest = readJson<BundleManifest>(join(extracted, 'manifest.json'));
  assert.ok(walk.out.includes(`chain intact up to seq ${manifest.chain.last.seq} ${manifest.chain.last.hash}`), walk.out);
});

test('flipping any byte of any file in the bundle makes verify-bundle fail, naming the file', async () => {
  const files = filesIn(extracted);
  const scratch = untar(bundle);
  let runs = 0;
  for (const name of files) {
    const original = readFileSync(join(extracted, name));
    const positions = [...new Set([0, Math.floor(original.length / 3), Math.floor((original.length * 2) / 3), original.length - 1])].filter((p) => p >= 0);
    for (const at of positions) {
      const bytes = Buffer.from(original);
      bytes[at] = bytes[at]! ^ 0x01;
      writeFileSync(join(scratch, name), bytes);
      const tampered = retar(scratch, files);
      writeFileSync(join(scratch, name), original);
      const verdict = await verifyBundle(tampered, { trustedKeyArmored: f.key.publicArmored });
      runs++;
      assert.not.ok(verdict.ok, `flip of byte ${at} of ${name} went unnoticed`);
      const expected = name === 'manifest.json' || name === 'manifest.json.asc' ? /signature/ : new RegExp(name.replace(/[.]/g, '\\.'));
      assert.ok(
        verdict.failures.some((l) => expected.test(l)),
        `flip of byte ${at} of ${name}: ${verdict.failures.join(' | ')}`,
      );
    }
  }
  assert.ok(runs >= files.length * 4, `${runs} tampered bundles checked`);
  // The CLI names what failed, one line each, and exits 1.
  const dir = untar(bundle);
  const events = readFileSync(join(dir, 'events.jsonl'));
  events[10] = events[10]! ^ 0x20;
  writeFileSync(join(dir, 'events.jsonl'), events);
  const cli = verifyCli(retar(dir, files));
  assert.is(cli.code, 1);
  assert.match(cli.stdout, /FAILED {2}file events\.jsonl: sha256 [0-9a-f]{64} differs from the manifest's [0-9a-f]{64}/);
  assert.match(cli.stdout, /FAILED {2}chain: events\.jsonl recomputes to seq \d+ [0-9a-f]{64}, not the manifest's last event/);
  assert.match(cli.stdout, /bundle does NOT verify: 2 check\(s\) failed/);
});

/** An attacker who edits events.jsonl and re-signs a consistent manifest with a key the verifier is told to trust: the chain still fails. */
async function resign(dir: string, files: string[], edit: (lines: string[]) => string[]): Promise<{ tar: string; keyPath: string }> {
  const path = join(dir, 'events.jsonl');
  const lines = readFileSync(path, 'utf8').split('\n').slice(0, -1);
  writeFileSync(
    path,
    edit(lines)
      .map((l) => `${l}\n`)
      .join(''),
  );
  const manifest = readJson<BundleManifest>(join(dir, 'manifest.json'));
  manifest.files['events.jsonl'] = sh(['sha256sum', 'events.jsonl'], dir).out.slice(0, 64);
  writeFileSync(
    join(dir, 'SHA256SUMS'),
    Object.entries(manifest.files)
      .filter(([n]) => n !== 'SHA256SUMS')
      .map(([n, h]) => `${h}  ${n}\n`)
      .join(''),
  );
  manifest.files['SHA256SUMS'] = sh(['sha256sum', 'SHA256SUMS'], dir).out.slice(0, 64);
  const other = await generateSigningKey({ name: 'attacker' });
  manifest.auditKeyFingerprint = other.fingerprint;
  writeFileSync(join(dir, 'audit-key.asc'), other.publicArmored);
  manifest.files['audit-key.asc'] = sh(['sha256sum', 'audit-key.asc'], dir).out.slice(0, 64);
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  writeFileSync(join(dir, 'manifest.json'), text);
  writeFileSync(join(dir, 'manifest.json.asc'), await signDetached(other.privateArmored, Buffer.from(text)));
  const keyPath = join(tempDir(), 'other.asc');
  writeFileSync(keyPath, other.publicArmored);
  return { tar: retar(dir, files), keyPath };
}

test('a reordered or removed event line fails — in the file hashes, and in the chain even under a re-signed manifest', async () => {
  const files = filesIn(extracted);
  const swap = (lines: string[]) => [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)];
  const drop = (lines: string[]) => [...lines.slice(0, 3), ...lines.slice(4)];
  for (const [what, edit, reason] of [
    ['reordered', swap, /chain: line 2: event seq 3 where seq 2 must follow/],
    ['removed', drop, /chain: line 4: event seq 5 where seq 4 must follow/],
  ] as const) {
    // Plain tampering: the signed manifest's hash of events.jsonl no longer matches.
    const dir = untar(bundle);
    const path = join(dir, 'events.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n').slice(0, -1);
    writeFileSync(
      path,
      edit(lines)
        .map((l) => `${l}\n`)
        .join(''),
    );
    const plain = await verifyBundle(retar(dir, files), { trustedKeyArmored: f.key.publicArmored });
    assert.not.ok(plain.ok, what);
    assert.ok(
      plain.failures.some((l) => l.startsWith('file events.jsonl: sha256')),
      plain.failures.join(' | '),
    );
    assert.ok(
      plain.failures.some((l) => reason.test(l)),
      plain.failures.join(' | '),
    );
    // With a consistent, re-signed manifest and that key trusted, the chain alone catches it.
    const forged = await resign(untar(bundle), files, edit);
    const cli = verifyCli(forged.tar, forged.keyPath);
    assert.is(cli.code, 1, `${what}: ${cli.stdout}`);
    assert.match(cli.stdout, /ok {6}signature: good/);
    assert.match(cli.stdout, /ok {6}files: \d+ sha256 match the manifest/);
    assert.match(cli.stdout, reason);
    // And against the real audit key the forgery fails its signature too.
    const real = verifyCli(forged.tar, f.publicKeyPath);
    assert.is(real.code, 1);
    assert.match(real.stdout, /FAILED {2}signature: manifest\.json\.asc does not verify manifest\.json: signed by a key that is not trusted/);
    assert.match(real.stdout, /FAILED {2}audit-key\.asc: is key [0-9A-F]{40}, not the --key [0-9A-F]{40}/);
  }
});

test('a swapped signature (another key signed the same manifest) fails, with gpg too', async () => {
  const files = filesIn(extracted);
  const dir = untar(bundle);
  const other = await generateSigningKey({ name: 'someone else' });
  writeFileSync(join(dir, 'manifest.json.asc'), await signDetached(other.privateArmored, readFileSync(join(dir, 'manifest.json'))));
  const swapped = retar(dir, files);
  for (const key of [undefined, f.publicKeyPath]) {
    const cli = verifyCli(swapped, key);
    assert.is(cli.code, 1, cli.stdout);
    assert.match(cli.stdout, /FAILED {2}signature: manifest\.json\.asc does not verify manifest\.json: signed by a key that is not trusted/);
  }
  const gpg = gpgVerifyIn(dir, f.publicKeyPath);
  assert.not.ok(gpg.ok, gpg.out);
  // Swapping the bundled key as well passes only the bundled-key check: pinning the real key catches it.
  writeFileSync(join(dir, 'audit-key.asc'), other.publicArmored);
  const both = retar(dir, files);
  const pinned = verifyCli(both, f.publicKeyPath);
  assert.is(pinned.code, 1);
  assert.match(pinned.stdout, /FAILED {2}signature: .*not trusted/);
});

test('bundle structure: unlisted, missing and link entries fail', async () => {
  const files = filesIn(extracted);
  const dir = untar(bundle);
  writeFileSync(join(dir, 'extra.txt'), 'slipped in\n');
  const extra = await verifyBundle(retar(dir, [...files, 'extra.txt']));
  assert.ok(extra.failures.includes('file extra.txt: present but not listed in the manifest'), extra.failures.join(' | '));
  const missing = await verifyBundle(
    retar(
      untar(bundle),
      files.filter((n) => n !== 'VERIFY.md'),
    ),
  );
  assert.ok(missing.failures.includes('file VERIFY.md: listed in the manifest but missing'), missing.failures.join(' | '));
  const linked = untar(bundle);
  sh(['ln', '-s', '/etc/passwd', 'passwd'], linked);
  const link = await verifyBundle(retar(linked, [...files, 'passwd']));
  assert.not.ok(link.ok);
  assert.ok(
    link.failures.some((l) => /"passwd": a SymbolicLink entry is not allowed/.test(l)),
    link.failures.join(' | '),
  );
  const notTar = join(tempDir(), 'x.tar');
  writeFileSync(notTar, 'not a tar at all'.repeat(100));
  const bad = await verifyBundle(notTar);
  assert.not.ok(bad.ok);
  assert.match(bad.failures[0] ?? '', /^bundle: not a readable tar file|manifest\.json: missing/);
});

test('an empty range gives a valid, empty, signed bundle anchored at the head', async () => {
  const out = join(tempDir(), 'empty.tar');
  const head = (await f.store.audit.head())!;
  const result = await f.exporter.export(out, { from: '2099-01-01T00:00:00Z', to: '2099-12-31T00:00:00Z' }, 'token:tok_auditor');
  assert.is(result.manifest.chain.events, 0);
  assert.equal(result.manifest.chain.anchor, head);
  assert.equal(result.manifest.chain.last, head);
  const dir = untar(out);
  assert.is(readFileSync(join(dir, 'events.jsonl'), 'utf8'), '');
  assert.ok(gpgVerifyIn(dir, f.publicKeyPath).ok);
  assert.is(sh(['sha256sum', '--strict', '-c', 'SHA256SUMS'], dir).status, 0);
  const cli = verifyCli(out, f.publicKeyPath);
  assert.is(cli.code, 0, cli.stdout);
  assert.match(cli.stdout, /chain: 0 events recompute from anchor seq \d+/);
});

test("a job export: the contiguous run from the job's first to last event, its records, probe and image", async () => {
  // job_c and job_d interleave: job_c's events are not contiguous.
  await jobLifecycle(f, 'job_c', 'submit');
  await jobLifecycle(f, 'job_d', 'submit');
  await jobLifecycle(f, 'job_c', 'finish');
  const own = await f.store.audit.list({ jobId: 'job_c' });
  const out = join(tempDir(), 'job.tar');
  const result = await f.exporter.export(out, { jobId: 'job_c' }, 'token:tok_auditor');
  assert.is(result.manifest.chain.anchor.seq, own[0]!.seq - 1);
  assert.is(result.manifest.chain.last.seq, own.at(-1)!.seq);
  assert.is(result.manifest.chain.events, own.at(-1)!.seq - own[0]!.seq + 1);
  assert.ok(result.manifest.chain.events > own.length, 'other events in between are included');
  const dir = untar(out);
  const names = filesIn(dir);
  assert.ok(names.includes('jobs/job_c.json'));
  assert.not.ok(names.includes('jobs/job_d.json'), 'only the job asked for');
  assert.ok(names.some((n) => /^jobs\/job_c\.ffprobe\.\d+\.json$/.test(n)));
  assert.ok(names.includes(`images/${f.imageId}.manifest.json.asc`));
  assert.match(readFileSync(join(dir, 'VERIFY.md'), 'utf8'), /select\(\.job_id == "job_c"\)/);
  assert.ok(gpgVerifyIn(dir, f.publicKeyPath).ok);
  const cli = verifyCli(out, f.publicKeyPath);
  assert.is(cli.code, 0, cli.stdout);
  const unknown = await f.exporter.export(join(tempDir(), 'none.tar'), { jobId: 'job_nope' }, 'token:tok_auditor').catch((e: unknown) => e);
  assert.instance(unknown, ApplianceError);
  assert.is((unknown as ApplianceError).code, 'JOB_NOT_FOUND');
});

test("two consecutive exports: the second records the first's head as previous and extends it", async () => {
  const first = await f.exporter.export(join(tempDir(), 'one.tar'), {}, 'token:tok_auditor');
  await jobLifecycle(f, 'job_e');
  const secondPath = join(tempDir(), 'two.tar');
  const second = await f.exporter.export(secondPath, {}, 'token:tok_auditor');
  assert.equal(second.manifest.checkpoint.previous, {
    exportId: first.manifest.exportId,
    createdAt: first.manifest.createdAt,
    head: first.manifest.checkpoint.head,
  });
  assert.ok(second.manifest.checkpoint.head.seq > first.manifest.checkpoint.head.seq);
  const cli = verifyCli(secondPath, f.publicKeyPath);
  assert.is(cli.code, 0, cli.stdout);
  assert.match(
    cli.stdout,
    new RegExp(`ok {6}checkpoint: extends the previous export ${first.manifest.exportId} \\(seq ${first.manifest.checkpoint.head.seq} `),
  );
  // The checkpoints table and the audit trail hold both, with the bundles' sha256.
  const rows = await f.store.auditExports.list();
  const row = rows.find((r) => r.id === second.manifest.exportId)!;
  assert.is(row.previousId, first.manifest.exportId);
  assert.is(row.previousHeadHash, first.manifest.checkpoint.head.hash);
  assert.is(row.bundleSha256, second.sha256);
  assert.is(sh(['sha256sum', secondPath], tempDir()).out.slice(0, 64), second.sha256);
  const audited = (await f.store.audit.list({ type: 'audit.exported', limit: 10000 })).find(
    (e) => (e.payload as { exportId: string }).exportId === second.manifest.exportId,
  );
  assert.ok(audited);
  assert.equal((audited!.payload as { head: unknown }).head, second.manifest.checkpoint.head);
  assert.is((audited!.payload as { bundleSha256: string }).bundleSha256, second.sha256);
  // The checkpoints are append-only.
  const db = new Database(join(f.dir, 'mpegflow.db'));
  assert.throws(() => db.prepare('UPDATE audit_exports SET head_hash = ?').run('0'.repeat(64)), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM audit_exports').run(), /append-only/);
  db.close();
});

test("two exports at once from two processes' connections (server and CLI) never extend the same checkpoint", async () => {
  // A second connection to the same SQLite file, with its own exporter: as `mpegflow audit export` beside the server.
  const other = new SqliteStore({ path: join(f.dir, 'mpegflow.db') });
  try {
    const otherExporter = new AuditExporter({ store: other, keyPath: f.keyPath, scratchDir: join(f.dir, 'scratch-cli') });
    const before = (await f.store.auditExports.list()).length;
    const [a, b] = await Promise.all([
      f.exporter.export(join(tempDir(), 'server.tar'), {}, 'token:tok_auditor'),
      otherExporter.export(join(tempDir(), 'cli.tar'), {}, 'cli:root'),
    ]);
    const rows = (await f.store.auditExports.list()).slice(before);
    assert.is(rows.length, 2, 'both exports recorded');
    assert.is(rows[1]!.previousId, rows[0]!.id, 'the later checkpoint extends the earlier one, not the one before both');
    for (const r of [a, b]) {
      const row = rows.find((x) => x.id === r.manifest.exportId)!;
      assert.ok(row, 'the bundle is the one recorded');
      assert.is(row.previousId, r.manifest.checkpoint.previous?.exportId ?? null);
      const cli = verifyCli(r.path, f.publicKeyPath);
      assert.is(cli.code, 0, cli.stdout);
    }
  } finally {
    await other.close();
  }
});

const refusal = (p: Promise<unknown>): Promise<ApplianceError> =>
  p.then(
    () => {
      throw new Error('export succeeded');
    },
    (e: unknown) => e as ApplianceError,
  );

test('a history rewritten between two exports (every hash recomputed) is caught by the checkpoint and by --previous', async () => {
  const g = await auditFixture();
  await jobLifecycle(g, 'job_r');
  const dir = tempDir();
  const a = join(dir, 'a.tar');
  await g.exporter.export(a, {}, 'token:tok_auditor');
  const pub = g.publicKeyPath;
  // A third, later export extends the first one it never saw directly: --previous checks that.
  await jobLifecycle(g, 'job_s');
  const honest = join(dir, 'honest.tar');
  await g.exporter.export(honest, {}, 'token:tok_auditor');
  await jobLifecycle(g, 'job_t');
  const honest2 = join(dir, 'honest2.tar');
  await g.exporter.export(honest2, {}, 'token:tok_auditor');
  const ok = verifyCli(honest2, pub, ['--previous', a]);
  assert.is(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /ok {6}previous bundle: this chain extends .*a\.tar \(its head seq \d+ /);
  // Someone with write access rewrites event 3 and recomputes every later hash: the chain is self-consistent again.
  const db = new Database(join(g.dir, 'mpegflow.db'));
  db.exec('DROP TRIGGER audit_events_no_update');
  const rows = db.prepare('SELECT seq, at, actor, job_id, type, payload FROM audit_events ORDER BY seq').all() as Array<{
    seq: number;
    at: string;
    actor: string;
    job_id: string | null;
    type: string;
    payload: string;
  }>;
  let prev = '0'.repeat(64);
  const update = db.prepare('UPDATE audit_events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?');
  for (const r of rows) {
    const payload = r.seq === 3 ? '{"rewritten":true}' : r.payload;
    const hash = chainHash(prev, { seq: r.seq, at: r.at, actor: r.actor, job_id: r.job_id, type: r.type, payload: JSON.parse(payload) as unknown });
    update.run(payload, prev, hash, r.seq);
    prev = hash;
  }
  db.close();
  assert.ok((await g.store.audit.verify()).ok, 'the rewritten chain verifies on its own');
  const b = join(dir, 'b.tar');
  await g.exporter.export(b, {}, 'token:tok_auditor');
  const cli = verifyCli(b, pub);
  assert.is(cli.code, 1, cli.stdout);
  assert.match(cli.stdout, /FAILED {2}checkpoint: the chain at seq \d+ is not the previous export exp_[0-9a-z]+'s head [0-9a-f]{64} \(rewritten since\)/);
  const withA = verifyCli(b, pub, ['--previous', a]);
  assert.is(withA.code, 1);
  assert.match(withA.stdout, /FAILED {2}previous bundle: the chain at seq \d+ is not .*a\.tar's head [0-9a-f]{64} \(rewritten since\)/);
  await g.store.close();
});

test('an export never overwrites a file, refuses a bad range, and every refusal is audited', async () => {
  const out = join(tempDir(), 'taken.tar');
  writeFileSync(out, 'precious');
  const taken = await refusal(f.exporter.export(out, {}, 'token:tok_auditor'));
  assert.is(taken.code, 'EXPORT_OUT_EXISTS');
  assert.is(readFileSync(out, 'utf8'), 'precious');
  const reversed = await refusal(
    f.exporter.export(join(tempDir(), 'r.tar'), { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'token:tok_auditor'),
  );
  assert.is(reversed.code, 'EXPORT_RANGE_INVALID');
  const failed = await f.store.audit.list({ type: 'audit.export_failed', limit: 10000 });
  assert.equal(
    failed.slice(-2).map((e) => (e.payload as { code: string }).code),
    ['EXPORT_OUT_EXISTS', 'EXPORT_RANGE_INVALID'],
  );
});

test('a broken chain is never exported as a bundle that verifies', async () => {
  const g = await auditFixture();
  await jobLifecycle(g, 'job_x');
  await g.store.close();
  const path = join(g.dir, 'mpegflow.db');
  const db = new Database(path);
  db.exec('DROP TRIGGER audit_events_no_update');
  db.prepare('UPDATE audit_events SET payload = ? WHERE seq = 3').run('{"tampered":true}');
  db.close();
  const { SqliteStore } = await import('../../src/store/sqlite/sqlite-store.js');
  const { AuditExporter } = await import('../../src/audit/audit-exporter.js');
  const store = new SqliteStore({ path });
  const exporter = new AuditExporter({ store, keyPath: g.keyPath, scratchDir: join(g.dir, 'scratch') });
  const out = join(tempDir(), 'broken.tar');
  const err = await refusal(exporter.export(out, {}, 'system:cli'));
  assert.is(err.code, 'AUDIT_CHAIN_BROKEN');
  assert.match(err.message, /seq 3/);
  assert.not.ok(existsSync(out));
  await store.close();
});

test.run();
