// Files refused in place: bad names, a symlink to /etc/shadow, a hard link, a file deleted
// while it is being claimed. Nothing is followed, read, moved or lost; each refusal is
// audited once with an error file in failed/.
import { createHash } from 'node:crypto';
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { claimFile } from '../../src/ingest/claim.js';
import { folderContext, newIngestId } from '../../src/ingest/folder-context.js';
import { tempDir } from '../helpers/temp-dir.js';
import { eventually, ingestFixture } from './ingest-fixture.js';

const f = await ingestFixture({ folder: { stableSeconds: 0.5, rescanSeconds: 0.2 } });
await f.startService();
test.after(() => f.close());

const errorFiles = () => readdirSync(join(f.root, 'failed')).filter((n) => n.endsWith('.error.json'));
const readError = (name: string) => JSON.parse(readFileSync(join(f.root, 'failed', name), 'utf8')) as Record<string, unknown>;
const refusals = async (code: string) => (await f.audit('ingest.refused')).filter((e) => e.code === code);

test('names with a newline or ".." are refused in place, audited once, error file under the ingest id', async () => {
  const bad = ['evil\nname.mp4', 'a..b.mp4', 'tab\there.mov'];
  for (const name of bad) writeFileSync(join(f.root, name), `bytes of ${name}`);
  const events = await eventually('three name refusals', async () => {
    const e = await refusals('INGEST_NAME_INVALID');
    return e.length >= 3 && e;
  });
  await f.passes(4); // more scans: still refused once each
  assert.is((await refusals('INGEST_NAME_INVALID')).length, 3);
  for (const name of bad) {
    assert.is(readFileSync(join(f.root, name), 'utf8'), `bytes of ${name}`, 'left in place, untouched');
    const event = events.find((e) => e.name === name)!;
    assert.ok(event, JSON.stringify(name));
    const file = (event.errorFile as string).split('/').pop()!;
    assert.match(file, /^ing_[0-9a-z]+\.error\.json$/, 'a bad name never becomes a path');
    const body = readError(file);
    assert.is(body.code, 'INGEST_NAME_INVALID');
    assert.is(body.name, name);
    assert.ok(typeof body.message === 'string' && typeof body.at === 'string');
  }
  assert.not.ok(existsSync(join(f.root, 'done', 'a..b.mp4')));
  const rows = (await f.ingests()).filter((i) => bad.includes(i.name));
  assert.equal(
    rows.map((r) => r.state),
    ['failed', 'failed', 'failed'],
  );
});

test('a symlink to /etc/shadow is refused in place; /etc/shadow is never read, moved or changed', async () => {
  const before = statSync('/etc/shadow');
  const beforeHash = createHash('sha256').update(readFileSync('/etc/shadow')).digest('hex');
  symlinkSync('/etc/shadow', join(f.root, 'shadow.mp4'));
  const [event] = await eventually('symlink refusal', async () => {
    const e = await refusals('INGEST_SYMLINK');
    return e.length > 0 && e;
  });
  assert.is(event!.linkTarget, '/etc/shadow');
  await f.passes(4);
  assert.is((await refusals('INGEST_SYMLINK')).length, 1);
  assert.ok(lstatSync(join(f.root, 'shadow.mp4')).isSymbolicLink(), 'the link stays where it is');
  const after = statSync('/etc/shadow');
  assert.equal([after.ino, after.size, after.mtimeMs, after.ctimeMs, after.nlink], [before.ino, before.size, before.mtimeMs, before.ctimeMs, before.nlink]);
  assert.is(createHash('sha256').update(readFileSync('/etc/shadow')).digest('hex'), beforeHash);
  assert.is(readError('shadow.mp4.error.json').code, 'INGEST_SYMLINK');
  // Nothing with its bytes reached the input bucket.
  for await (const o of f.objects.list('input')) assert.not.ok((await f.objects.stat('input', o.key)).sha256 === beforeHash, o.key);
});

test('a hard link (nlink > 1) is refused in place; neither name is touched', async () => {
  const outside = join(tempDir(), 'elsewhere.mov');
  writeFileSync(outside, 'bytes that live outside the watch folder');
  linkSync(outside, join(f.root, 'linked.mov'));
  await eventually('hard link refusal', async () => (await refusals('INGEST_HARD_LINK')).length > 0);
  await f.passes(3);
  assert.is((await refusals('INGEST_HARD_LINK')).length, 1);
  assert.is(statSync(outside).nlink, 2);
  assert.is(readFileSync(outside, 'utf8'), 'bytes that live outside the watch folder');
  assert.ok(existsSync(join(f.root, 'linked.mov')));
  assert.is(readError('linked.mov.error.json').code, 'INGEST_HARD_LINK');
});

test('a file deleted while being claimed: recorded as failed (INGEST_SOURCE_VANISHED), nothing stored, the folder keeps working', async () => {
  // Deterministic: the claim runs against a file judged stable that is gone by the rename.
  const root = join(tempDir(), 'drop');
  mkdirSync(join(root, '.processing'), { recursive: true });
  const ctx = folderContext(f.deps, { ...f.folder, path: root }, new AbortController().signal);
  const path = join(root, 'gone.mov');
  writeFileSync(path, 'soon gone');
  const st = lstatSync(path);
  const id = newIngestId();
  await f.store.change(async (tx) => {
    await tx.ingests.insert({ id, folder: root, name: 'gone.mov', state: 'detected', fingerprint: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}` });
    await tx.audit({ type: 'ingest.detected', actor: ctx.actor, payload: { ingestId: id } });
  });
  unlinkSync(path);
  assert.is(await claimFile(ctx, (await f.store.ingests.get(id))!, st), 'vanished');
  const row = (await f.store.ingests.get(id))!;
  assert.is(row.state, 'failed');
  assert.is(row.errorCode, 'INGEST_SOURCE_VANISHED');
  assert.equal(readdirSync(join(root, '.processing')), []);

  // Through the running service: a file removed after detection, before it is taken.
  writeFileSync(join(f.root, 'brief.mov'), 'here for a moment');
  await eventually('brief.mov detected', async () => (await f.ingests()).some((i) => i.name === 'brief.mov'));
  unlinkSync(join(f.root, 'brief.mov'));
  const gone = await eventually('brief.mov recorded as vanished', async () => (await f.ingests()).find((i) => i.name === 'brief.mov' && i.state === 'failed'));
  assert.is(gone.errorCode, 'INGEST_SOURCE_VANISHED');
  writeFileSync(join(f.root, 'after.mov'), 'the folder still works');
  await f.ingestedToDone('after.mov');
  assert.ok(errorFiles().length >= 5);
});

test.run();
