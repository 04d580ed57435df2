import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuditExporter } from '../../src/audit/audit-exporter.js';
import { verifyBundle } from '../../src/audit/bundle-verifier.js';
import { headLine, HEAD_FORMAT, signedText, type HeadRecord } from '../../src/audit/head-record.js';
import { backupStore } from '../../src/audit/store-backup.js';
import { generateSigningKey, signDetached } from '../../src/signing/openpgp-keys.js';
import { readPrivateKey, signDetachedBinary } from '../../src/signing/binary-signatures.js';
import { runCli } from '../helpers/cli.js';
import { requireGpg } from '../helpers/gpg.js';
import { tempDir } from '../helpers/temp-dir.js';
import { filesIn, readJson, retar, sh, untar } from './audit-fixture.js';
import { headsDataDir, type HeadsDataDir } from './heads-fixture.js';

/** A data dir whose chain has 5 signed heads, and a bundle of the whole chain. */
async function signedBundle(d: HeadsDataDir): Promise<string> {
  const signer = await d.signer();
  await signer.open();
  for (let i = 0; i < 5; i++) {
    await d.append(3, i % 2 ? 'job.state' : 'task.state');
    await signer.sign('interval');
  }
  writeFileSync(join(d.dir, 'audit-key.asc'), d.key.privateArmored, { mode: 0o600 });
  const exporter = new AuditExporter({ store: d.store, keyPath: join(d.dir, 'audit-key.asc'), scratchDir: join(d.dir, 'scratch'), headLogPath: d.logPath });
  const out = join(tempDir(), 'evidence.tar');
  await exporter.export(out, {}, 'test');
  return out;
}

/** The ```sh blocks of VERIFY.md's section 6, in order. */
function headSteps(verifyMd: string): string[] {
  const section = verifyMd.split('## 6. Signed chain heads')[1]!.split(/\n## /)[0]!;
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

test('a bundle carries the signed heads on its events; verify-bundle checks them; VERIFY.md steps work with gpg + sha256sum alone', async () => {
  requireGpg();
  const d = await headsDataDir();
  const bundle = await signedBundle(d);
  const verdict = await verifyBundle(bundle, { trustedKeyArmored: d.key.publicArmored });
  assert.ok(verdict.ok, verdict.failures.join('\n'));
  assert.ok(
    verdict.passed.some((l) => /^heads: 5 signed heads verify, link, and agree with the chain \(seq 4\.\.16\)$/.test(l)),
    verdict.passed.join('\n'),
  );
  assert.equal(verdict.manifest!.heads, { file: 'heads.log', count: 5 });
  const cli = runCli(['audit', 'verify-bundle', bundle, '--key', d.publicKeyPath], { cwd: d.dir });
  assert.is(cli.code, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /^ok {6}heads: 5 signed heads verify/m);

  // The documented steps, run as written by /bin/sh in the extracted bundle (GnuPG, sha256sum, coreutils).
  const dir = untar(bundle);
  assert.ok(filesIn(dir).includes('heads.log'));
  const [check, link] = headSteps(readFileSync(join(dir, 'VERIFY.md'), 'utf8'));
  assert.ok(check && link, 'two command blocks');
  const run = (script: string) => {
    const file = join(tempDir(), 'steps.sh');
    writeFileSync(file, script);
    return sh(['sh', '-e', file], dir, { ...process.env, LC_ALL: 'C' });
  };
  for (const n of [1, 3, 5]) {
    const r = run(check!.replace(/^N=1$/m, `N=${n}`));
    assert.is(r.status, 0, r.out);
    assert.match(r.out, /gpg: Good signature from "MpegFlow Appliance audit key"/);
    assert.match(r.out, new RegExp(`^head ${n}: the chain at seq \\d+ is [0-9a-f]{64}, as signed$`, 'm'));
  }
  const linked = run(`N=2\n${link!}`);
  assert.is(linked.status, 0, linked.out);
  const [a, b] = linked.out.trim().split('\n');
  assert.match(a!, /^[0-9a-f]{64}$/);
  assert.is(a, b, 'line 3 names the sha256 of line 2');
  // A head edited by hand no longer verifies with gpg, and no longer matches the chain.
  const heads = readFileSync(join(dir, 'heads.log'), 'utf8');
  writeFileSync(
    join(dir, 'heads.log'),
    heads.replace(/"seq":(\d+)/, (_, s: string) => `"seq":${Number(s) - 1}`),
  );
  const forged = run(check!);
  assert.is.not(forged.status, 0);
  assert.match(forged.out, /BAD signature/);
  await d.store.close();
});

test('verify-bundle: a head by another key or one the events contradict fails, even in a bundle re-signed by the audit key', async () => {
  const d = await headsDataDir();
  const bundle = await signedBundle(d);
  const dir = untar(bundle);
  const manifest = readJson<{ files: Record<string, string>; chain: { last: { seq: number } } }>(join(dir, 'manifest.json'));
  const rebuild = async (headsText: string) => {
    writeFileSync(join(dir, 'heads.log'), headsText);
    const sha = sh(['sha256sum', 'heads.log'], dir).out.slice(0, 64);
    manifest.files['heads.log'] = sha;
    const sums = Object.keys(manifest.files)
      .filter((n) => n !== 'SHA256SUMS')
      .sort()
      .map((n) => `${manifest.files[n]}  ${n}\n`)
      .join('');
    writeFileSync(join(dir, 'SHA256SUMS'), sums);
    manifest.files['SHA256SUMS'] = sh(['sha256sum', 'SHA256SUMS'], dir).out.slice(0, 64);
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    writeFileSync(join(dir, 'manifest.json'), text);
    writeFileSync(join(dir, 'manifest.json.asc'), await signDetached(d.key.privateArmored, Buffer.from(text)));
    return verifyBundle(retar(dir, readdirSync(dir)), { trustedKeyArmored: d.key.publicArmored });
  };
  const record = (hash: string): HeadRecord => ({
    format: HEAD_FORMAT,
    log: 'hl_forged',
    n: 1,
    seq: 7,
    hash,
    at: new Date().toISOString(),
    reason: 'interval',
    previous: '0'.repeat(64),
    key: readJson<{ auditKeyFingerprint: string }>(join(dir, 'manifest.json')).auditKeyFingerprint,
  });
  const other = await generateSigningKey({ name: 'someone else' });
  const r1 = record('a'.repeat(64));
  const foreign = await rebuild(headLine(r1, await signDetachedBinary(await readPrivateKey(other.privateArmored), Buffer.from(signedText(r1)))));
  assert.not.ok(foreign.ok);
  assert.ok(
    foreign.failures.some((f) => /^heads: AUDIT_HEAD_FOREIGN_KEY: heads\.log: line 1 \(head 1, seq 7\): signed by key/.test(f)),
    foreign.failures.join('\n'),
  );
  const mine = await rebuild(headLine(r1, await signDetachedBinary(await readPrivateKey(d.key.privateArmored), Buffer.from(signedText(r1)))));
  assert.not.ok(mine.ok);
  assert.ok(
    mine.failures.some((f) =>
      /^heads: AUDIT_CHAIN_HEAD_MISMATCH: heads\.log line 1: head 1 certifies seq 7 a{64}, but events\.jsonl gives [0-9a-f]{64} there$/.test(f),
    ),
    mine.failures.join('\n'),
  );
  await d.store.close();
});

test('backups carry the head log: verify --db uses the copy beside it; the live verify uses every backup copy', async () => {
  const d = await headsDataDir();
  const signer = await d.signer();
  await signer.open();
  await d.append(6);
  await signer.sign('interval');
  const backupsDir = join(d.dir, 'backups');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(backupsDir);
  const result = await backupStore({ store: d.store, dbPath: d.dbPath, backupsDir, retention: 7, actor: 'system', headLogPath: d.logPath });
  assert.ok(result.heads);
  assert.is(result.heads!.records, 1);
  assert.match(result.heads!.path, /mpegflow-\d{8}T\d{9}Z\.heads\.log$/);
  assert.is(readFileSync(result.heads!.path, 'utf8'), readFileSync(d.logPath, 'utf8'));
  const audited = (await d.store.audit.list({ type: 'store.backup.created' })).at(-1)!.payload as { heads: { sha256: string; records: number } };
  assert.equal(audited.heads.records, 1);
  assert.is(audited.heads.sha256, sh(['sha256sum', result.heads!.path], d.dir).out.slice(0, 64));
  const one = d.verify(['--db', result.path]);
  assert.is(one.code, 0, one.stdout + one.stderr);
  assert.match(one.stdout, /mpegflow-\d{8}T\d{9}Z\.heads\.log: 1 lines, 1 heads verify/);
  await d.store.close();
  // The insider cuts the chain and deletes the head log: the backup's copy still tells.
  d.cutLast(4);
  rmSync(d.logPath);
  const r = d.verify();
  assert.is(r.code, 1, r.stdout);
  assert.match(
    r.stdout,
    /AUDIT_CHAIN_TRUNCATED: the chain ends at seq \d+, but .*backups\/mpegflow-\d{8}T\d{9}Z\.heads\.log line 1 .* events seq \d+\.\.7 are missing/,
  );
});

test.run();
