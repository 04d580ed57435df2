// install.sh refuses bad input before it changes anything: one line, exit 1.
import { copyFileSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, closeSync, writeSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signDetachedAt, throwawayReleaseKey } from '../../offline-bundle/release-key.js';
import { run } from '../../offline-bundle/run.js';
import { resign, runInstaller, testBundle, type TestBundle } from '../helpers/offline-bundle.js';
import { tempDir } from '../helpers/temp-dir.js';
import { assertRefused } from './refusals.js';

let bundle: TestBundle;
let work: string;

test.before(async () => {
  bundle = await testBundle();
  work = tempDir('mpegflow-refusals-');
});

function place(name: string): { prefix: string; data: string; tar: string } {
  const dir = join(work, name);
  mkdirSync(dir);
  return { prefix: join(dir, 'opt', 'mpegflow'), data: join(dir, 'data'), tar: join(dir, 'bundle.tar') };
}

const install = (tar: string, p: { prefix: string; data: string }, extra: string[] = [], wrap: string[] = []) =>
  runInstaller([
    ...wrap,
    'bash',
    bundle.installer,
    '--bundle',
    tar,
    '--key',
    bundle.publicKey,
    '--prefix',
    p.prefix,
    '--data-dir',
    p.data,
    '--user',
    'root',
    '--no-systemd',
    ...extra,
  ]);

test('one flipped byte in the tar: the signature does not verify', () => {
  const p = place('flipped');
  copyFileSync(bundle.tar, p.tar);
  copyFileSync(`${bundle.tar}.asc`, `${p.tar}.asc`);
  const fd = openSync(p.tar, 'r+');
  const at = Math.floor(statSync(p.tar).size / 2);
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x01;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
  assertRefused(install(p.tar, p), /signature does not verify/, p);
});

test('a signature by another key', async () => {
  const p = place('wrong-key');
  copyFileSync(bundle.tar, p.tar);
  const other = await throwawayReleaseKey(join(work, 'other-key'));
  writeFileSync(`${p.tar}.asc`, await signDetachedAt(other, readFileSync(p.tar), bundle.epoch));
  assertRefused(install(p.tar, p), /not signed by the release key [0-9A-F]{40}/, p);
});

test('a truncated tar (even when signed): cut inside a member, and cut at a member boundary', async () => {
  // `tar -tR` prints the block number of every member's header: cutting there leaves a tar that lists cleanly.
  const blocks = run('tar', ['-tR', '-f', bundle.tar])
    .split('\n')
    .map((l) => /^block (\d+):/.exec(l)?.[1])
    .filter(Boolean);
  const boundary = Number(blocks[Math.floor(blocks.length * 0.6)]) * 512;
  for (const [name, at] of [
    ['inside', boundary + 700],
    ['boundary', boundary],
  ] as const) {
    const p = place(`truncated-${name}`);
    copyFileSync(bundle.tar, p.tar);
    truncateSync(p.tar, at);
    await resign(bundle, p.tar);
    assertRefused(install(p.tar, p), /is truncated or not a tar/, p);
  }
});

test('no root', () => {
  const p = place('no-root');
  const r = install(bundle.tar, p, [], ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
  assertRefused(r, /must run as root/, p);
});

test('an installed newer version', () => {
  const p = place('newer');
  mkdirSync(p.prefix, { recursive: true });
  const newer = JSON.stringify({ name: 'mpegflow-appliance', version: '99.0.0' }, null, 2);
  writeFileSync(join(p.prefix, 'BUNDLE.json'), `${newer}\n`);
  const r = install(bundle.tar, p);
  assertRefused(r, /version 99\.0\.0 is installed in .*, newer than this bundle's 0\.\d+\.\d+/, { ...p, prefixExisted: true });
  assert.is(readFileSync(join(p.prefix, 'BUNDLE.json'), 'utf8'), `${newer}\n`);
});

test('not enough disk', () => {
  const p = place('small-disk');
  const mnt = join(work, 'small-disk');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) {
    if (process.env.CI === 'true') assert.unreachable(`cannot mount a small tmpfs: ${m.stderr}`);
    return;
  }
  try {
    const r = install(bundle.tar, p);
    assertRefused(r, /not enough disk: .* has \d+ MiB free, the install needs \d+ MiB/, p);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test.run();
