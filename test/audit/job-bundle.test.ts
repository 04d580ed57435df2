import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuditExporter } from '../../src/audit/audit-exporter.js';
import { generateSigningKey } from '../../src/signing/openpgp-keys.js';
import { runCli } from '../helpers/cli.js';
import { requireGpg } from '../helpers/gpg.js';
import { runtimeFixture } from '../helpers/runtime-fixture.js';
import { tempDir } from '../helpers/temp-dir.js';
import { filesIn, gpgVerifyIn, sh, untar } from './audit-fixture.js';
import { testClipArgs } from '../helpers/clip-args.js';

const clipArgs = testClipArgs('426x240', 2);

test('a job run by the real runtime (FFmpeg 7.1 image) exports as a bundle that gpg, sha256sum and verify-bundle accept', async () => {
  requireGpg();
  const f = await runtimeFixture();
  try {
    const key = await f.clip('master.mp4', clipArgs);
    const { job } = await f.runtime.submit({ input: { key }, ladder: 'professional', packaging: ['hls'] }, { actor: 'token:tok_operator' });
    const done = await f.waitFor(job.id, ['completed', 'failed', 'partial']);
    assert.is(done.state, 'completed', JSON.stringify(done.tasks));

    const auditKey = await generateSigningKey({ name: 'MpegFlow Appliance audit key' });
    const dir = tempDir();
    writeFileSync(join(dir, 'audit-key.asc'), auditKey.privateArmored, { mode: 0o600 });
    writeFileSync(join(dir, 'audit-key.pub.asc'), auditKey.publicArmored);
    const exporter = new AuditExporter({ store: f.store, keyPath: join(dir, 'audit-key.asc'), scratchDir: join(dir, 'scratch') });
    const out = join(dir, 'job.tar');
    const result = await exporter.export(out, { jobId: job.id }, 'token:tok_auditor');

    const x = untar(out);
    const gpg = gpgVerifyIn(x, join(dir, 'audit-key.pub.asc'));
    assert.ok(gpg.ok, gpg.out);
    assert.is(sh(['sha256sum', '--strict', '-c', 'SHA256SUMS'], x).status, 0);
    const cli = runCli(['audit', 'verify-bundle', out, '--key', join(dir, 'audit-key.pub.asc')], { cwd: dir });
    assert.is(cli.code, 0, cli.stdout + cli.stderr);

    // The job's own events up to the head at export time (clean-up may still be appending), all in the contiguous run.
    const lines = readFileSync(join(x, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { job_id: string | null; type: string; seq: number });
    const own = (await f.store.audit.list({ jobId: job.id, limit: 10000 })).filter((e) => e.seq <= result.manifest.checkpoint.head.seq);
    assert.equal(
      lines.filter((l) => l.job_id === job.id).map((l) => l.seq),
      own.map((e) => e.seq),
    );
    assert.ok(own.some((e) => e.type === 'job.probed'));
    assert.ok(
      own.some((e) => e.type === 'job.completed'),
      own.map((e) => e.type).join(', '),
    );
    assert.is(result.manifest.chain.last.seq, own.at(-1)!.seq);

    // Job record, the real ffprobe output, the pinned image's manifest and its signature.
    const record = JSON.parse(readFileSync(join(x, `jobs/${job.id}.json`), 'utf8')) as {
      job: { state: string; encoderImage: string };
      tasks: Array<{ kind: string }>;
    };
    assert.is(record.job.state, 'completed');
    assert.equal([...new Set(record.tasks.map((t) => t.kind))].sort(), ['encode', 'package', 'probe']);
    const probeFile = filesIn(x).find((n) => n.startsWith(`jobs/${job.id}.ffprobe.`));
    assert.ok(probeFile, filesIn(x).join(', '));
    const probe = JSON.parse(readFileSync(join(x, probeFile!), 'utf8')) as { streams: Array<{ codec_name: string; width?: number }> };
    assert.ok(
      probe.streams.some((s) => s.codec_name === 'h264' && s.width === 426),
      JSON.stringify(probe.streams),
    );
    // The quality gate's figures, as the job detail shows them.
    const qualityFile = filesIn(x).find((n) => n.startsWith(`jobs/${job.id}.quality.`));
    assert.ok(qualityFile, filesIn(x).join(', '));
    const quality = JSON.parse(readFileSync(join(x, qualityFile!), 'utf8')) as { renditions: unknown[] };
    assert.equal(quality.renditions, done.quality);
    assert.ok(done.quality.length > 0 && done.quality.every((q) => q.psnr !== null && q.ssim !== null));
    const imageId = record.job.encoderImage;
    const imageManifest = readFileSync(join(x, `images/${imageId}.manifest.json`));
    assert.is(createHash('sha256').update(imageManifest).digest('hex'), imageId, "the image id is its manifest's sha256");
    // The image's own detached signature, as the catalog verified it.
    assert.equal(readFileSync(join(x, `images/${imageId}.manifest.json.asc`)), readFileSync(join(f.image.dir, 'manifest.json.asc')));
  } finally {
    await f.close();
  }
});

test.run();
