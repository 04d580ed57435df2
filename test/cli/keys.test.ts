import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileKek } from '../../src/at-rest/key-encryption-key.js';
import { EmbeddedStore } from '../../src/storage/embedded-store.js';
import { EncryptedStore } from '../../src/storage/encrypted-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCli } from '../helpers/cli.js';
import { writeKekFile } from '../helpers/kek-file.js';
import { tempDir } from '../helpers/temp-dir.js';

test('keys status / rotate, sealed backups and the doctor line, from the host’s command line', async () => {
  const cwd = tempDir('mpegflow-keys-');
  assert.is(runCli(['init'], { cwd }).code, 0);
  assert.is.not(runCli(['keys', 'status'], { cwd }).code, 0, 'encryption at rest off: a clear error');
  const a = writeKekFile(cwd, 'a.hex');
  const b = writeKekFile(cwd, 'b.hex');
  const kekA = fileKek(a, 0o600);
  const kekB = fileKek(b, 0o600);

  // Two objects stored under KEK a.
  const db = new SqliteStore({ path: join(cwd, 'data', 'mpegflow.db') });
  const objects = new EncryptedStore(new EmbeddedStore({ root: join(cwd, 'data', 'objects') }), { current: kekA, all: [kekA] }, db.dataKeys);
  await objects.open();
  await objects.put('input', 'm/one.mov', Readable.from([Buffer.from('one')]));
  await objects.put('output', 'm/two.m4s', Readable.from([Buffer.from('two')]));
  await db.close();

  const withA = { MPEGFLOW_KEK_FILE: a };
  const status = runCli(['keys', 'status'], { cwd, env: withA });
  assert.is(status.code, 0, status.stdout + status.stderr);
  assert.match(status.stdout, new RegExp(`current KEK: ${kekA.id} .* wraps 2 data keys`));

  const onlyB = runCli(['keys', 'status'], { cwd, env: { MPEGFLOW_KEK_FILE: b } });
  assert.is(onlyB.code, 1);
  assert.match(onlyB.stdout, new RegExp(`NOT CONFIGURED: ${kekA.id} wraps 2 data keys`));

  writeFileSync(join(cwd, 'rotate.json'), JSON.stringify({ atRest: { previousKekFiles: [a] } }));
  const rotating = { MPEGFLOW_KEK_FILE: b, MPEGFLOW_CONFIG: join(cwd, 'rotate.json') };
  const rotate = runCli(['keys', 'rotate'], { cwd, env: rotating });
  assert.is(rotate.code, 0, rotate.stdout + rotate.stderr);
  assert.match(rotate.stdout, new RegExp(`re-wrapped 2 data keys from ${kekA.id} to ${kekB.id}`));
  const after = runCli(['keys', 'status'], { cwd, env: { MPEGFLOW_KEK_FILE: b } });
  assert.is(after.code, 0, after.stdout);
  assert.match(after.stdout, new RegExp(`current KEK: ${kekB.id} .* wraps 2 data keys`));

  const backup = runCli(['backup'], { cwd, env: { MPEGFLOW_KEK_FILE: b } });
  assert.is(backup.code, 0, backup.stdout + backup.stderr);
  assert.match(backup.stdout, new RegExp(`Sealed under ${kekB.id}`));
  const sealed = readdirSync(join(cwd, 'data', 'backups')).find((n) => n.endsWith('.db.sealed'))!;
  const opened = runCli(['backup', 'open', join(cwd, 'data', 'backups', sealed), '--out', join(cwd, 'restored.db')], { cwd, env: { MPEGFLOW_KEK_FILE: b } });
  assert.is(opened.code, 0, opened.stdout + opened.stderr);
  assert.match(opened.stdout, /sha256 [0-9a-f]{64}/);
  const verify = runCli(['audit', 'verify', '--db', join(cwd, 'restored.db')], { cwd });
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
  assert.is.not(
    runCli(['backup', 'open', join(cwd, 'data', 'backups', sealed), '--out', join(cwd, 'r2.db')], { cwd, env: withA }).code,
    0,
    'the old KEK no longer opens it',
  );

  const doctor = runCli(['doctor'], { cwd, env: { MPEGFLOW_KEK_FILE: b } });
  assert.match(doctor.stdout, new RegExp(`ok +at rest +encrypted under ${kekB.id} \\(2 data keys\\)`));
  const doctorA = runCli(['doctor'], { cwd, env: withA });
  assert.match(doctorA.stdout, new RegExp(`FAIL +at rest +data keys wrapped by a KEK not configured: ${kekB.id} \\(2\\)`));
});

test.run();
