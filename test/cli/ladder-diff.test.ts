// The pure parts of `mpegflow ladders`: the diff (fields by path, rungs by name — an inserted
// rung is one addition, a reorder one line —, other arrays as one value, null <-> object as one
// change) and the rungs summary of the table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { ladderDiff, jsonEqual } from '../../src/cli/ladder-diff.js';
import { rungsSummary } from '../../src/cli/ladders-commands.js';

const base = () => structuredClone(professionalTemplate) as unknown as Record<string, unknown> & { rungs: Array<Record<string, unknown>> };

test('the same template (keys in any order) has no differences', () => {
  assert.equal(ladderDiff(base(), base()), []);
  const reordered = Object.fromEntries(Object.entries(base()).reverse());
  assert.equal(ladderDiff(base(), reordered), []);
  assert.ok(jsonEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] }));
  assert.not.ok(jsonEqual({ a: 1 }, { a: 1, b: undefined }));
});

test('scalars, nested fields, null to an object, whole arrays of scalars', () => {
  const b = base();
  b['gopSeconds'] = 4;
  b['audio'] = { ...(b['audio'] as object), surround: { codec: 'eac3', bitrateKbps: 384 }, select: { by: 'language', languages: ['en', 'fr'] } };
  b['packaging'] = ['hls'];
  (b['hdr'] as Record<string, unknown>)['hdrRungOnSdrMaster'] = 'refuse';
  assert.equal(ladderDiff(base(), b), [
    { path: 'gopSeconds', old: 2, new: 4 },
    { path: 'hdr.hdrRungOnSdrMaster', old: 'skip', new: 'refuse' },
    { path: 'audio.select.by', old: 'all', new: 'language' },
    { path: 'audio.select.languages', old: undefined, new: ['en', 'fr'] },
    { path: 'audio.surround', old: null, new: { codec: 'eac3', bitrateKbps: 384 } },
    { path: 'packaging', old: ['hls', 'dash'], new: ['hls'] },
  ]);
});

test('rungs by name: a change inside one, one inserted, one removed, a new order', () => {
  const b = base();
  const [r240, r480, r720, r1080] = b.rungs;
  const inserted = { ...r720!, name: '540p', width: 960, height: 540 };
  b.rungs = [r1080!, inserted, r720!, { ...r480!, rate: { mode: 'crf', crf: 23, maxrateKbps: 1680, bufsizeKbps: 2800 } }, r240!];
  const changes = ladderDiff(base(), b);
  assert.equal(
    changes.map((c) => c.path),
    ['rungs[480p].rate.mode', 'rungs[480p].rate.bitrateKbps', 'rungs[480p].rate.crf', 'rungs[2160p]', 'rungs[540p]', 'rungs (order)'],
  );
  assert.equal(changes[3], { path: 'rungs[2160p]', old: base().rungs[4], new: undefined });
  assert.equal(changes[4], { path: 'rungs[540p]', old: undefined, new: inserted });
  assert.equal(changes[5]!.new, ['1080p', '540p', '720p', '480p', '240p']);
  // Appending a rung keeps the order of the others: no order line.
  const appended = base();
  appended.rungs.push({ ...r240!, name: '144p', width: 256, height: 144 });
  assert.equal(
    ladderDiff(base(), appended).map((c) => c.path),
    ['rungs[144p]'],
  );
});

test('rungs summary', () => {
  assert.is(rungsSummary(professionalTemplate.rungs), '5 rungs, 240p-2160p, h264');
  const hdr = { ...professionalTemplate.rungs[4]!, codec: 'hevc' as const, profile: 'main10' as const, range: 'hdr' as const };
  assert.is(rungsSummary([hdr]), '1 rung, 2160p, hevc HDR');
  assert.is(rungsSummary([professionalTemplate.rungs[0]!, hdr]), '2 rungs, 240p-2160p, h264+hevc (1 HDR)');
});

test.run();
