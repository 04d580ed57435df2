// A watch folder that disappears (or comes back as a symlink) and a disk that fills while
// storing: no crash, a clear record, nothing lost, and the folder recovers.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../helpers/temp-dir.js';
import { eventually, ingestFixture, sha256Of } from './ingest-fixture.js';

test('a folder that disappears is reported, never crashes the service, and is watched again when it comes back', async () => {
  const f = await ingestFixture({ folder: { stableSeconds: 0.4, rescanSeconds: 0.2 } });
  try {
    await f.startService();
    writeFileSync(join(f.root, 'one.mov'), 'before');
    await f.ingestedToDone('one.mov');

    rmSync(f.root, { recursive: true });
    const [gone] = await eventually('folder_unavailable', async () => {
      const e = await f.audit('ingest.folder_unavailable');
      return e.length > 0 && e;
    });
    assert.match(String(gone!.problem), /does not exist/);
    assert.ok(
      f.logLines.some((l) => /watch folder unavailable/.test(l)),
      'logged',
    );
    await f.passes(3);
    assert.is((await f.audit('ingest.folder_unavailable')).length, 1, 'reported once, not at every scan');

    // Back as a symlink to another directory: refused, nothing in it is read.
    const elsewhere = tempDir();
    writeFileSync(join(elsewhere, 'outside.mov'), 'outside the configured root');
    symlinkSync(elsewhere, f.root);
    await f.passes(3);
    assert.ok(existsSync(join(elsewhere, 'outside.mov')));
    assert.equal(readdirSync(elsewhere), ['outside.mov'], 'no subfolder created through the link');
    assert.not.ok((await f.ingests()).some((i) => i.name === 'outside.mov'));
    unlinkSync(f.root);

    mkdirSync(f.root);
    writeFileSync(join(f.root, 'two.mov'), 'after');
    await f.ingestedToDone('two.mov');
    assert.is((await f.audit('ingest.folder_available')).length, 2);
  } finally {
    await f.close();
  }
});

test('disk full while storing: the file goes to failed/ with error.json, its bytes intact, nothing half-stored; the folder keeps working', async () => {
  const mnt = tempDir('mpegflow-tmpfs-');
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { encoding: 'utf8' });
  assert.is(mount.status, 0, `mount a 2 MiB tmpfs (needs root): ${mount.stderr}`);
  const f = await ingestFixture({ objectsRoot: join(mnt, 'objects'), folder: { stableSeconds: 0.4, rescanSeconds: 0.2 } });
  try {
    await f.startService();
    const master = join(f.root, 'huge.mov');
    writeFileSync(master, Buffer.alloc(4 * 1024 * 1024, 9));
    const sha = sha256Of(master);
    // The move to failed/ comes first, then its record (which names where the file went).
    await eventually(
      'huge.mov in failed/ and recorded',
      async () => existsSync(join(f.root, 'failed', 'huge.mov.error.json')) && (await f.ingests())[0]?.state === 'failed',
    );
    const error = JSON.parse(readFileSync(join(f.root, 'failed', 'huge.mov.error.json'), 'utf8')) as Record<string, unknown>;
    assert.is(error.code, 'STORAGE_NO_SPACE');
    assert.ok(typeof error.message === 'string' && typeof error.at === 'string' && error.name === 'huge.mov');
    assert.is(sha256Of(join(f.root, 'failed', 'huge.mov')), sha, 'nothing lost');
    assert.equal(readdirSync(join(f.root, '.processing')), []);
    const [row] = await f.ingests();
    assert.is(row!.state, 'failed');
    assert.is(row!.errorCode, 'STORAGE_NO_SPACE');
    assert.is(row!.jobId, null);
    assert.is(await f.jobCount(), 0);
    assert.ok((await f.audit('ingest.failed')).some((e) => e.code === 'STORAGE_NO_SPACE' && e.name === 'huge.mov'));
    const df = spawnSync('df', ['-B1', '--output=used', mnt], { encoding: 'utf8' });
    assert.ok(Number(df.stdout.trim().split('\n').pop()) < 512 * 1024, `staging removed: ${df.stdout}`);

    writeFileSync(join(f.root, 'small.mov'), Buffer.alloc(64 * 1024, 1));
    await f.ingestedToDone('small.mov');
  } finally {
    await f.close();
    const umount = spawnSync('umount', [mnt], { encoding: 'utf8' });
    assert.is(umount.status, 0, umount.stderr);
  }
});

test.run();
