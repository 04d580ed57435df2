// The bundle tar depends only on its files: unpacking it (other mtimes, umask, owner) and
// writing the tar again gives the same bytes, twice.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileSha256, listFiles } from '../../offline-bundle/bundle-files.js';
import { writeDeterministicTar } from '../../offline-bundle/deterministic-tar.js';
import { loadReleaseKey, signDetachedAt } from '../../offline-bundle/release-key.js';
import { run } from '../../offline-bundle/run.js';
import { testBundle } from '../helpers/offline-bundle.js';
import { tempDir } from '../helpers/temp-dir.js';

test("re-tarring the unpacked bundle gives the same bytes (twice), whatever the files' mtimes and owners", async () => {
  const bundle = await testBundle();
  const work = tempDir('mpegflow-repro-');
  const tree = join(work, 'tree');
  run('mkdir', [tree]);
  // Unpacked as another umask, owner and time would leave it.
  run('tar', ['-xf', bundle.tar, '-C', tree, '--no-same-owner', '--touch']);
  const files = listFiles(tree);
  assert.ok(files.length > 1000, `${files.length} files`);
  utimesSync(join(tree, bundle.top, 'BUNDLE.json'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  spawnSync('chown', ['-R', '1:1', join(tree, bundle.top, 'app', 'images')]);
  chmodSync(join(tree, bundle.top), 0o700);
  chmodSync(join(tree, bundle.top), 0o755);
  const sums = new Map(
    readFileSync(join(tree, bundle.top, 'SHA256SUMS'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.slice(66), l.slice(0, 64)] as const),
  );
  assert.is(sums.size, files.length - 1);
  const original = fileSha256(bundle.tar);
  for (const name of ['a.tar', 'b.tar']) {
    writeDeterministicTar(tree, bundle.top, join(work, name), bundle.epoch);
    assert.is(fileSha256(join(work, name)), original, `${name} differs from the built bundle`);
  }
});

test('the signatures inside are reproducible: the image manifest signed again gives the bundled .asc', async () => {
  const bundle = await testBundle();
  const rel = `${bundle.top}/app/images/bundled/debian-ffmpeg-7.1/manifest.json`;
  const manifest = Buffer.from(run('tar', ['-xOf', bundle.tar, rel], { encoding: 'latin1' }), 'latin1');
  const bundled = run('tar', ['-xOf', bundle.tar, `${rel}.asc`]);
  const key = await loadReleaseKey(bundle.privateKey);
  const again = await signDetachedAt(key, manifest, bundle.epoch);
  assert.is(again, bundled);
  assert.is(await signDetachedAt(key, manifest, bundle.epoch), again);
});

test.run();
