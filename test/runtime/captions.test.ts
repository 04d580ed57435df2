// Caption files through the job runtime: a good sidecar is checked, fixed where it can be and
// packaged for HLS and DASH; a file that is not text fails the job (the template refuses) or is
// left out with its reason (the template skips); a bad caption name or a missing file is
// refused at submission, before anything is created.
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApplianceError } from '../../src/errors/appliance-error.js';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import { saveTemplate } from '../../src/runtime/ladder-templates.js';
import { testClipArgs } from '../helpers/clip-args.js';
import { runtimeFixture } from '../helpers/runtime-fixture.js';

let f: Awaited<ReturnType<typeof runtimeFixture>>;
let clip: string;

test.before(async () => {
  f = await runtimeFixture();
  clip = await f.clip('show.mp4', testClipArgs('426x240', 2));
  // Out of order, one cue past the end of the 2 s programme: fixed, and recorded.
  await f.objects.put(
    'input',
    'show.en.vtt',
    Readable.from([
      Buffer.from('WEBVTT\n\n00:00:01.000 --> 00:00:01.500\nSecond\n\n00:00:00.100 --> 00:00:00.900\nFirst\n\n00:00:05.000 --> 00:00:06.000\nAfter the end\n'),
    ]),
  );
  // A PNG renamed .srt: not text.
  await f.objects.put(
    'input',
    'show.fr.srt',
    Readable.from([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])]),
  );
  await f.objects.put('input', 'notes.txt', Readable.from([Buffer.from('not a caption file name')]));
  await saveTemplate(
    f.store,
    { ...professionalTemplate, name: 'skip-bad-captions', encoderPreset: 'ultrafast', captions: { ...professionalTemplate.captions, invalid: 'skip' } },
    'create',
    'test',
  );
});
test.after(async () => {
  await f.close();
});

type Records = Array<{ name: string; state: string; cues?: number; fixes?: Array<{ code: string }>; error?: { code: string } }>;

test('a caption that is not text fails the job under a refusing template, with the reason and every caption record audited', async () => {
  const { job } = await f.runtime.submit(
    { input: { key: clip }, ladder: 'professional', captions: [{ key: 'show.en.vtt' }, { key: 'show.fr.srt' }] },
    { actor: 'test' },
  );
  const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
  assert.is(done.state, 'failed');
  assert.is(done.error?.code, 'CAPTION_NOT_TEXT');
  const failed = (await f.store.audit.list({ jobId: job.id, type: 'job.failed' }))[0]!.payload as { captions: Records };
  assert.equal(
    failed.captions.map((c) => [c.name, c.state, c.error?.code ?? null]),
    [
      ['text-en', 'packaged', null],
      ['text-fr', 'skipped', 'CAPTION_NOT_TEXT'],
    ],
  );
  // The input is kept.
  await f.objects.stat('input', 'show.fr.srt');
});

test('under a skipping template the bad file is left out with its reason; the good one is fixed and packaged for HLS and DASH', async () => {
  const { job } = await f.runtime.submit(
    { input: { key: clip }, ladder: 'skip-bad-captions', captions: [{ key: 'show.en.vtt' }, { key: 'show.fr.srt' }] },
    { actor: 'test' },
  );
  const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
  assert.is(done.state, 'completed', JSON.stringify(done));
  const succeeded = (await f.store.audit.list({ jobId: job.id, type: 'task.succeeded' })).map((e) => e.payload as { kind: string; captions?: Records });
  const captions = succeeded.find((p) => p.kind === 'package')!.captions!;
  assert.equal(
    captions.map((c) => [c.name, c.state, c.cues ?? null, c.error?.code ?? null]),
    [
      ['text-en', 'packaged', 2, null],
      ['text-fr', 'skipped', null, 'CAPTION_NOT_TEXT'],
    ],
  );
  const fixes = captions[0]!.fixes!.map((x) => x.code);
  assert.ok(fixes.includes('CAPTION_CUES_SORTED') && fixes.includes('CAPTION_CUE_DROPPED'), fixes.join(','));
  const vtt = await f.objects.stat('output', `${job.id}/cmaf/text-en/text-en.vtt`);
  assert.ok(vtt.size > 0);
  const master = await (async () => {
    const chunks: Buffer[] = [];
    for await (const c of await f.objects.get('output', `${job.id}/hls/master.m3u8`)) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  })();
  assert.match(master, /TYPE=SUBTITLES[^\n]*LANGUAGE="en"/);
  assert.not.match(master, /LANGUAGE="fr"[^\n]*TYPE=SUBTITLES|TYPE=SUBTITLES[^\n]*LANGUAGE="fr"/);
});

test('submission refuses a caption that is not a caption file name or not in the input bucket; nothing is created', async () => {
  const before = (await f.store.jobs.list({ limit: 100 })).items.length;
  for (const [captions, code] of [
    [[{ key: 'notes.txt' }], 'CAPTION_FORMAT_UNKNOWN'],
    [[{ key: 'missing.en.vtt' }], 'INPUT_NOT_FOUND'],
  ] as const) {
    try {
      await f.runtime.submit({ input: { key: clip }, ladder: 'professional', captions: [...captions] }, { actor: 'test' });
      assert.unreachable(code);
    } catch (err) {
      assert.ok(err instanceof ApplianceError, String(err));
      assert.is(err.code, code);
    }
  }
  assert.is((await f.store.jobs.list({ limit: 100 })).items.length, before);
});

test.run();
