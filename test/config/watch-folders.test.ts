import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../src/config/load.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { tempDir } from '../helpers/temp-dir.js';

const host = { cores: 2, memoryBytes: 24 * 2 ** 30 };

function load(json: unknown) {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'config.json'), JSON.stringify(json));
  return () => loadConfig({ env: { MPEGFLOW_CONFIG: join(cwd, 'config.json'), MPEGFLOW_DATA_DIR: join(cwd, 'data') }, host, cwd });
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplianceError && err.code === 'CONFIG_INVALID') return err.message;
    throw err;
  }
  throw new Error('expected CONFIG_INVALID');
}

test('watch folder defaults: professional ladder, hls+dash, stable 30 s, rescan 10 s, retry after 5 s, 12 attempts', () => {
  const c = load({ watchFolders: [{ path: '/srv/drop' }] })();
  assert.equal(c.watchFolders, [
    { path: '/srv/drop', ladder: 'professional', packaging: ['hls', 'dash'], stableSeconds: 30, rescanSeconds: 10, retrySeconds: 5, retryAttempts: 12 },
  ]);
});

test('stableSeconds, rescanSeconds, retrySeconds and retryAttempts are validated', () => {
  assert.match(message(load({ watchFolders: [{ path: '/srv/drop', stableSeconds: 0 }] })), /watchFolders\[0\]\.stableSeconds/);
  assert.match(message(load({ watchFolders: [{ path: '/srv/drop', rescanSeconds: 'often' }] })), /watchFolders\[0\]\.rescanSeconds/);
  assert.match(message(load({ watchFolders: [{ path: '/srv/drop', retrySeconds: -1 }] })), /watchFolders\[0\]\.retrySeconds/);
  assert.match(message(load({ watchFolders: [{ path: '/srv/drop', retryAttempts: 1.5 }] })), /watchFolders\[0\]\.retryAttempts/);
});

test('overlapping folders, or a folder overlapping the data directory, are refused', () => {
  assert.match(
    message(load({ watchFolders: [{ path: '/srv/drop' }, { path: '/srv/drop/' }] })),
    /watchFolders\[1\]\.path: \/srv\/drop overlaps watchFolders\[0\]/,
  );
  assert.match(message(load({ watchFolders: [{ path: '/srv/drop' }, { path: '/srv/drop/inner' }] })), /watchFolders\[1\]\.path/);
  assert.match(
    message(load({ watchFolders: [{ path: '/srv' }, { path: '/srv2' }, { path: '/' }] })),
    /watchFolders\[2\]\.path: \/ overlaps the data directory/,
  );
  const cwd = tempDir();
  writeFileSync(join(cwd, 'config.json'), JSON.stringify({ watchFolders: [{ path: join(cwd, 'data', 'drop') }] }));
  assert.match(
    message(() => loadConfig({ env: { MPEGFLOW_CONFIG: join(cwd, 'config.json') }, host, cwd })),
    /overlaps the data directory/,
  );
});

test.run();
