// Key-encryption keys: wrap, unwrap, rotate; a missing, wrong or loosely kept KEK is a clear error.
import { randomBytes } from 'node:crypto';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileKek, memoryKek, newDataKey, rewrapDataKey, unwrapDataKey } from '../../src/at-rest/key-encryption-key.js';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { tempDir } from '../helpers/temp-dir.js';

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    assert.instance(err, ApplianceError, String(err));
    return (err as ApplianceError).code;
  }
  throw new Error('expected an error');
}

test('a data key wrapped by one KEK unwraps with it only; rotation re-wraps the same data key', async () => {
  const old = memoryKek(randomBytes(32));
  const next = memoryKek(randomBytes(32));
  const { dataKey, record } = await newDataKey(old);
  assert.is(record.kekId, old.id);
  assert.match(record.kekId, /^kek-[0-9a-f]{16}$/);
  assert.not.ok(Buffer.from(record.wrapped, 'base64').includes(dataKey), 'the data key is not in its wrapped form');
  assert.ok((await unwrapDataKey(record, [next, old])).equals(dataKey));
  const rotated = await rewrapDataKey(record, [old], next);
  assert.equal([rotated.kekId, rotated.dataKeyId], [next.id, record.dataKeyId]);
  assert.ok((await unwrapDataKey(rotated, [next])).equals(dataKey));
  // The old KEK retired: an object still wrapped by it names the KEK it needs.
  assert.is(await codeOf(() => unwrapDataKey(record, [next])), 'KEK_UNAVAILABLE');
  // A changed wrapped key does not unwrap.
  const bytes = Buffer.from(record.wrapped, 'base64');
  bytes[20]! ^= 1;
  assert.is(await codeOf(() => unwrapDataKey({ ...record, wrapped: bytes.toString('base64') }, [old])), 'KEK_UNWRAP_FAILED');
});

test('KEK files: hex, base64 or raw; refused when readable by others, unreadable or not 32 bytes', async () => {
  const dir = tempDir('mpegflow-kek-');
  const raw = randomBytes(32);
  const forms = { 'kek.hex': `${raw.toString('hex')}\n`, 'kek.b64': raw.toString('base64'), 'kek.bin': raw };
  const ids = new Set<string>();
  for (const [name, content] of Object.entries(forms)) {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    ids.add(fileKek(path, statSync(path).mode).id);
  }
  assert.is(ids.size, 1, 'the same key in every form');
  const loose = join(dir, 'loose.hex');
  writeFileSync(loose, raw.toString('hex'));
  chmodSync(loose, 0o644);
  assert.is(await codeOf(() => fileKek(loose, statSync(loose).mode)), 'KEK_INVALID');
  assert.is(await codeOf(() => fileKek(join(dir, 'missing'), 0o600)), 'KEK_UNAVAILABLE');
  const short = join(dir, 'short.hex');
  writeFileSync(short, 'abcd', { mode: 0o600 });
  assert.is(await codeOf(() => fileKek(short, 0o600)), 'KEK_INVALID');
});

test.run();
