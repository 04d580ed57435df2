import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootAtRest } from '../../appliance/boot-at-rest.js';
import { loadConfig } from '../../src/config/load.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { createLogger } from '../../src/log/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { writeKekFile } from '../helpers/kek-file.js';
import { tempDir } from '../helpers/temp-dir.js';

const host = { cores: 2, memoryBytes: 8 * 2 ** 30 };
const logger = createLogger('silent');

async function refused(work: () => Promise<unknown>): Promise<ApplianceError> {
  try {
    await work();
  } catch (err) {
    assert.instance(err, ApplianceError);
    return err as ApplianceError;
  }
  throw new Error('expected start-up to be refused');
}

function setup(): { cwd: string; store: SqliteStore } {
  const cwd = tempDir('mpegflow-at-rest-');
  return { cwd, store: new SqliteStore({ path: join(cwd, 'mpegflow.db') }) };
}

test('off without a KEK; with one: keys loaded, scratch memory-backed, audited', async () => {
  const { cwd, store } = setup();
  assert.is(await bootAtRest(loadConfig({ env: {}, host, cwd }), store, logger, 'test'), null);
  const kek = writeKekFile(cwd);
  const config = loadConfig({ env: { MPEGFLOW_KEK_FILE: kek }, host, cwd });
  const atRest = await bootAtRest(config, store, logger, 'test');
  assert.ok(atRest);
  assert.match(atRest.describe, /^encrypted at rest under kek-[0-9a-f]{16}$/);
  assert.is(atRest.scratchDir, config.atRest.scratchDir);
  const event = await store.audit.latest('at_rest.keys_loaded');
  assert.equal((event?.payload as { kekId: string }).kekId, atRest.keys.current.id);
  rmSync(atRest.scratchDir, { recursive: true, force: true });
  await store.close();
});

test('a missing KEK file: KEK_UNAVAILABLE; one readable by others: KEK_INVALID; both name the file', async () => {
  const { cwd, store } = setup();
  const missing = join(cwd, 'nope.hex');
  const e1 = await refused(() => bootAtRest(loadConfig({ env: { MPEGFLOW_KEK_FILE: missing }, host, cwd }), store, logger, 'test'));
  assert.is(e1.code, 'KEK_UNAVAILABLE');
  assert.match(e1.message, missing);
  const open = writeKekFile(cwd, 'open.hex');
  chmodSync(open, 0o644);
  const e2 = await refused(() => bootAtRest(loadConfig({ env: { MPEGFLOW_KEK_FILE: open }, host, cwd }), store, logger, 'test'));
  assert.is(e2.code, 'KEK_INVALID');
  assert.match(e2.message, /chmod 600/);
  await store.close();
});

test('the wrong KEK for the stored data keys stops start-up naming the KEK they need; listed as previous, it starts', async () => {
  const { cwd, store } = setup();
  const first = writeKekFile(cwd, 'first.hex');
  const a = await bootAtRest(loadConfig({ env: { MPEGFLOW_KEK_FILE: first }, host, cwd }), store, logger, 'test');
  await store.dataKeys.insert({ id: 'a'.repeat(32), kekId: a!.keys.current.id, wrapped: 'x', bucket: 'input', objectKey: 'm.mov' });
  const second = writeKekFile(cwd, 'second.hex');
  const err = await refused(() => bootAtRest(loadConfig({ env: { MPEGFLOW_KEK_FILE: second }, host, cwd }), store, logger, 'test'));
  assert.is(err.code, 'KEK_UNAVAILABLE');
  assert.match(err.message, a!.keys.current.id);
  assert.match(err.message, /nothing was changed/);
  writeFileSync(join(cwd, 'c.json'), JSON.stringify({ atRest: { previousKekFiles: [first] } }));
  const b = await bootAtRest(loadConfig({ env: { MPEGFLOW_KEK_FILE: second, MPEGFLOW_CONFIG: join(cwd, 'c.json') }, host, cwd }), store, logger, 'test');
  assert.equal(
    b!.keys.all.map((k) => k.id),
    [b!.keys.current.id, a!.keys.current.id],
  );
  rmSync(b!.scratchDir, { recursive: true, force: true });
  await store.close();
});

test('a scratch folder on a disk: SCRATCH_NOT_IN_MEMORY', async () => {
  const { cwd, store } = setup();
  writeFileSync(join(cwd, 'c.json'), JSON.stringify({ atRest: { scratchDir: join(cwd, 'scratch-on-disk') } }));
  const err = await refused(() =>
    bootAtRest(loadConfig({ env: { MPEGFLOW_KEK_FILE: writeKekFile(cwd), MPEGFLOW_CONFIG: join(cwd, 'c.json') }, host, cwd }), store, logger, 'test'),
  );
  assert.is(err.code, 'SCRATCH_NOT_IN_MEMORY');
  await store.close();
});

test.run();
