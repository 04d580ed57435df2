import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuditExporter, sweepExportScratch } from '../../src/audit/audit-exporter.js';
import { verifyBundle } from '../../src/audit/bundle-verifier.js';
import { generateSigningKey } from '../../src/signing/openpgp-keys.js';
import { requireGpg } from '../helpers/gpg.js';
import { tempDir } from '../helpers/temp-dir.js';
import { liveApp } from '../events/live-app.js';
import { gpgVerifyIn, untar } from './audit-fixture.js';

type Live = Awaited<ReturnType<typeof liveApp>>;
let live: Live;
let publicKeyPath: string;
let publicKey: string;
const scratchDir = join(tempDir('mpegflow-http-audit-'), 'scratch');

test.before(async () => {
  requireGpg();
  const dir = tempDir();
  const key = await generateSigningKey({ name: 'MpegFlow Appliance audit key' });
  const keyPath = join(dir, 'audit-key.asc');
  writeFileSync(keyPath, key.privateArmored, { mode: 0o600 });
  publicKeyPath = join(dir, 'audit-key.pub.asc');
  writeFileSync(publicKeyPath, key.publicArmored);
  publicKey = key.publicArmored;
  const dbPath = join(dir, 'mpegflow.db');
  // The exporter needs the store the app opens: built lazily on first use through a holder.
  const holder: { exporter?: AuditExporter } = {};
  const lazy = { export: (...args: Parameters<AuditExporter['export']>) => holder.exporter!.export(...args) } as unknown as AuditExporter;
  live = await liveApp({ auditExports: { exporter: lazy, scratchDir } }, dbPath);
  holder.exporter = new AuditExporter({ store: live.store, keyPath, scratchDir });
});
test.after(async () => {
  await live.close();
});

const post = (role: 'admin' | 'operator' | 'viewer' | 'auditor', body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${live.url}/api/v1/audit/exports`, { method: 'POST', ...live.auth(role, headers), body: typeof body === 'string' ? body : JSON.stringify(body) });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

test('auditor and admin get the signed bundle as application/x-tar; the export is audited with its sha256', async () => {
  for (const role of ['auditor', 'admin'] as const) {
    const res = await post(role, {});
    assert.is(res.status, 200, await res.clone().text());
    assert.is(res.headers.get('content-type'), 'application/x-tar');
    const disposition = res.headers.get('content-disposition') ?? '';
    assert.match(disposition, /^attachment; filename="mpegflow-audit-exp_[0-9a-z]+\.tar"$/);
    const body = Buffer.from(await res.arrayBuffer());
    assert.is(res.headers.get('content-length'), String(body.length));
    const sha256 = createHash('sha256').update(body).digest('hex');
    const file = join(tempDir(), 'download.tar');
    writeFileSync(file, body);
    const verdict = await verifyBundle(file, { trustedKeyArmored: publicKey });
    assert.ok(verdict.ok, verdict.failures.join(' | '));
    assert.ok(gpgVerifyIn(untar(file), publicKeyPath).ok);
    const exportId = /filename="mpegflow-audit-(exp_[0-9a-z]+)\.tar"/.exec(disposition)![1];
    assert.is(verdict.manifest?.exportId, exportId);
    const event = (await live.store.audit.list({ type: 'audit.exported' })).find((e) => (e.payload as { exportId: string }).exportId === exportId);
    assert.ok(event, 'audit.exported recorded');
    assert.match(event!.actor, /^token:tok_/);
    assert.is((event!.payload as { bundleSha256: string }).bundleSha256, sha256);
    assert.equal((event!.payload as { head: unknown }).head, verdict.manifest?.checkpoint.head);
  }
  // The download copy is removed once sent.
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(
    readdirSync(scratchDir).filter((n) => n.endsWith('.tar')),
    [],
  );
});

test('operator and viewer are refused (403 FORBIDDEN); no token is 401', async () => {
  for (const role of ['operator', 'viewer'] as const) {
    const res = await post(role, {});
    assert.is(res.status, 403);
    assert.is((await errorOf(res)).code, 'FORBIDDEN');
  }
  const res = await fetch(`${live.url}/api/v1/audit/exports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.is(res.status, 401);
});

test('bad bodies: 400 with a stable code, and nothing exported', async () => {
  const before = (await live.store.auditExports.list()).length;
  const cases: Array<[unknown, number, string, RegExp?]> = [
    [{ from: 'yesterday' }, 400, 'VALIDATION_FAILED', /^from: /],
    [{ to: '2026-13-45T00:00:00Z' }, 400, 'VALIDATION_FAILED', /^to: /],
    [{ jobId: '../etc' }, 400, 'VALIDATION_FAILED', /^jobId: must be a job id/],
    [{ nope: 1 }, 400, 'VALIDATION_FAILED', /nope: unknown field/],
    ['{not json', 400, 'INVALID_JSON'],
    [{ from: '2026-06-01T00:00:00Z', to: '2026-05-01T00:00:00Z' }, 400, 'EXPORT_RANGE_INVALID', /is after/],
    [{ jobId: 'job_unknown' }, 404, 'JOB_NOT_FOUND'],
  ];
  for (const [body, status, code, message] of cases) {
    const res = await post('auditor', body);
    assert.is(res.status, status, JSON.stringify(body));
    const error = await errorOf(res);
    assert.is(error.code, code, JSON.stringify(body));
    if (message) assert.match(error.message, message);
  }
  const wrongType = await post('auditor', '{}', { 'content-type': 'text/plain' });
  assert.is(wrongType.status, 415);
  assert.is((await live.store.auditExports.list()).length, before);
  // Refusals that reached the exporter are audited.
  const failed = (await live.store.audit.list({ type: 'audit.export_failed' })).map((e) => (e.payload as { code: string }).code);
  assert.ok(failed.includes('EXPORT_RANGE_INVALID') && failed.includes('JOB_NOT_FOUND'), failed.join(','));
});

test('a time range selects the events inside it, anchored at the event before', async () => {
  const all = await live.store.audit.list();
  const third = all[2]!;
  const res = await post('auditor', { from: third.at, to: third.at });
  assert.is(res.status, 200);
  const file = join(tempDir(), 'range.tar');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const verdict = await verifyBundle(file, { trustedKeyArmored: publicKey });
  assert.ok(verdict.ok, verdict.failures.join(' | '));
  const chain = verdict.manifest!.chain;
  assert.ok(chain.anchor.seq < third.seq && chain.last.seq >= third.seq, JSON.stringify(chain));
  assert.is(chain.anchor.hash, all[chain.anchor.seq - 1]?.hash ?? '0'.repeat(64));
});

test('leftovers of an interrupted export are swept from the scratch dir at start-up, fresh ones and others kept', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'audit-export-AbC123'));
  writeFileSync(join(dir, 'audit-export-AbC123', 'events.jsonl'), 'x');
  writeFileSync(join(dir, 'audit-download-0123456789abcdef.tar'), 'x');
  writeFileSync(join(dir, 'audit-download-fedcba9876543210.tar'), 'fresh');
  mkdirSync(join(dir, 'job_0abc'));
  const old = new Date(Date.now() - 2 * 3600_000);
  for (const n of ['audit-export-AbC123', 'audit-download-0123456789abcdef.tar', 'job_0abc']) utimesSync(join(dir, n), old, old);
  const removed = await sweepExportScratch(dir);
  assert.equal(removed.sort(), ['audit-download-0123456789abcdef.tar', 'audit-export-AbC123']);
  assert.equal(readdirSync(dir).sort(), ['audit-download-fedcba9876543210.tar', 'job_0abc']);
});

test.run();
