import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dataLayout } from '../../appliance/data-layout.js';
import { checkClock, checkDataDirPermissions, checkFreeDisk, checkListening } from '../../src/doctor/host-checks.js';
import { tempDir } from '../helpers/temp-dir.js';

function layoutIn(): ReturnType<typeof dataLayout> {
  const layout = dataLayout(join(tempDir('mpegflow-doctor-'), 'data'));
  mkdirSync(layout.secrets, { recursive: true, mode: 0o700 });
  chmodSync(layout.root, 0o750);
  writeFileSync(layout.auditKey, 'k', { mode: 0o600 });
  return layout;
}

test('data dir: owner-only secrets hold; a world-writable data dir or a readable key fails, named', () => {
  const layout = layoutIn();
  assert.ok(checkDataDirPermissions(layout, process.getuid!()).ok);
  chmodSync(layout.root, 0o777);
  chmodSync(layout.auditKey, 0o644);
  const bad = checkDataDirPermissions(layout, process.getuid!());
  assert.not.ok(bad.ok);
  assert.match(bad.detail, /is group\/world-writable \(777\)/);
  assert.match(bad.detail, /audit-key\.asc \(file\) is readable by others \(644\)/);
  assert.match(checkDataDirPermissions(layout, 4242).detail, /owned by uid \d+, not 4242/);
});

test('disk: free space against the minimum', () => {
  const dir = tempDir('mpegflow-doctor-');
  assert.ok(checkFreeDisk(dir, 1).ok);
  const huge = checkFreeDisk(dir, Number.MAX_SAFE_INTEGER);
  assert.not.ok(huge.ok);
  assert.match(huge.detail, /MiB free in .* \(needs \d+ MiB\)/);
});

test('clock: before the newest audit event (a clock that went back) fails', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  assert.ok(checkClock(now, [{ what: 'the bundle build', at: new Date('2025-06-01T00:00:00Z') }]).ok);
  const back = checkClock(now, [{ what: 'the newest audit event (seq 9)', at: new Date('2026-03-01T00:00:00Z') }]);
  assert.not.ok(back.ok);
  assert.match(back.detail, /before the newest audit event \(seq 9\)/);
});

test('listening: sockets of a running `<root>/bin/mpegflow.js start` process, loopback or configured only', async () => {
  const root = tempDir('mpegflow-doctor-');
  assert.equal(checkListening(root, '127.0.0.1').detail, 'the appliance is not running: nothing listens');
  const entry = join(root, 'bin', 'mpegflow.js');
  // A process whose argv holds the entry and `start` stands in for the appliance.
  const child = spawn(
    process.execPath,
    ['-e', "require('net').createServer().listen(Number(process.env.P), process.env.H, () => console.log('up'))", entry, 'start'],
    { env: { ...process.env, P: '0', H: '0.0.0.0' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise((r) => child.stdout!.once('data', r));
    const wide = checkListening(root, '127.0.0.1');
    assert.not.ok(wide.ok, wide.detail);
    assert.match(wide.detail, /listening on 0\.0\.0\.0:\d+: neither loopback nor the configured host 127\.0\.0\.1/);
    assert.ok(checkListening(root, '0.0.0.0').ok);
  } finally {
    child.kill();
  }
});

test.run();
