// A database outage in the middle of a job: one whole node (every role) on a PostgreSQL server
// of the test's own, S3 and encryption at rest. While the ladder encodes, the server is stopped
// for ~10 s (pg_ctl stop -m immediate: every connection cut at once), then started again.
// Meanwhile /healthz answers 503 with the `store` check failing; afterwards it is ok again, the
// job completes (once: one job.completed), and the audit chain verifies.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageRoot } from '../../src/config/package-root.js';
import { apiClient } from '../helpers/api-client.js';
import { testClipArgs } from '../helpers/clip-args.js';
import { killServers, runCli, startServer } from '../helpers/cli.js';
import { testImage } from '../helpers/ffmpeg-image.js';
import { startDedicatedPostgres } from '../helpers/postgres.js';
import { preloadEncoderImage } from '../helpers/preloaded-image.js';
import { tempDir } from '../helpers/temp-dir.js';
import { s3Env } from '../storage/s3-fixture.js';

test.after(killServers);

const OUTAGE_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Healthz {
  status: number;
  body: { status?: string; checks?: Record<string, { ok: boolean; detail?: string }>; error?: { code: string; message: string } };
  ms: number;
}

async function healthz(url: string): Promise<Healthz> {
  const started = Date.now();
  const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(15_000) });
  return { status: r.status, body: (await r.json()) as Healthz['body'], ms: Date.now() - started };
}

test('PostgreSQL stopped for ~10 s mid-encode: /healthz 503 (store) meanwhile, ok after; the job completes once and the chain verifies', async () => {
  const s3 = await s3Env();
  if (!s3) throw new Error('this test needs the S3 fixture (test/storage/s3-fixture.ts)');
  const server = await startDedicatedPostgres();
  // One short-lived connection per query: a client held across the outage would only see it die.
  const sql = async <R>(text: string, params: unknown[] = []): Promise<R[]> => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as R[];
    } finally {
      await client.end();
    }
  };
  try {
    const cwd = tempDir('mpegflow-outage-');
    const kekFile = join(cwd, 'facility-kek.hex');
    writeFileSync(kekFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    const scratch = `/dev/shm/mpegflow-outage-${randomBytes(4).toString('hex')}`;
    writeFileSync(join(cwd, 'config.json'), JSON.stringify({ atRest: { scratchDir: scratch } }));
    const env = {
      MPEGFLOW_DATABASE_URL: server.url,
      MPEGFLOW_S3_ENDPOINT: s3.endpoint,
      MPEGFLOW_S3_ACCESS_KEY: s3.accessKey,
      MPEGFLOW_S3_SECRET_KEY: s3.secretKey,
      MPEGFLOW_KEK_FILE: kekFile,
      MPEGFLOW_CONFIG: join(cwd, 'config.json'),
      MPEGFLOW_LOG_LEVEL: 'info',
    };
    await preloadEncoderImage(cwd, env);

    // A 7 s 1080p master: the whole ladder encodes for several seconds on two cores.
    const clip = join(cwd, 'master-1080p.mp4');
    const ff = (await testImage()).argv('ffmpeg');
    const gen = spawnSync(ff[0]!, [...ff.slice(1), '-nostdin', '-loglevel', 'error', ...testClipArgs('1920x1080', 7), clip], { env: { LC_ALL: 'C' } });
    assert.is(gen.status, 0, String(gen.stderr));

    const s = await startServer({ cwd, env, timeoutMs: 300_000 });
    // The whole output goes to test-output/ (gitignored) as it comes; a failure shows what is not a routine request.
    const logFile = join(packageRoot, 'test-output', 'database-outage.log');
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, s.output());
    for (const stream of [s.child.stdout!, s.child.stderr!]) stream.on('data', (d: Buffer) => appendFileSync(logFile, d));
    const output = () => {
      const exited = s.child.exitCode ?? s.child.signalCode;
      const lines = s
        .output()
        .split('\n')
        .filter((l) => !/"msg":"request"/.test(l) || !/"status":[23]\d\d/.test(l));
      return `--- appliance output${exited === null ? '' : ` (it exited: ${exited})`}, without routine requests (all of it in ${logFile}) ---\n${lines.join('\n').slice(-30_000)}`;
    };
    /** Waits for `what`, failing at once if the appliance died meanwhile. */
    const waitFor = async <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`the appliance exited while waiting for ${what}\n${output()}`);
        const v = await fn();
        if (v !== undefined) return v;
        if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}\n${output()}`);
        await sleep(250);
      }
    };
    const token = readFileSync(join(cwd, 'data', 'secrets', 'admin.token'), 'utf8').trim();
    const api = apiClient(s.url, token);
    assert.equal((await healthz(s.url)).status, 200);
    const up = await api.upload(clip);
    assert.is(up.status, 201, await up.clone().text());
    const input = (await up.json()) as { key: string };
    const submitted = await api.submit({ input: { key: input.key }, ladder: 'professional', packaging: ['hls', 'dash'] });
    assert.is(submitted.status, 201, await submitted.clone().text());
    const job = ((await submitted.json()) as { id: string }).id;

    // Once an encoder process runs (its process.started is in the trail), the database goes away.
    const encoding = await waitFor(
      'an encode process to run',
      async () =>
        (
          await sql<{ task_id: string }>(
            `SELECT t.id AS task_id FROM tasks t JOIN audit_events e ON e.job_id = t.job_id AND e.type = 'process.started' AND e.payload::json->>'taskId' = t.id
              WHERE t.job_id = $1 AND t.kind = 'encode' AND t.state = 'running' LIMIT 1`,
            [job],
          )
        )[0],
      180_000,
    );
    await server.stop();
    const stoppedAt = Date.now();
    const seen: Healthz[] = [];
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      seen.push(await healthz(s.url).catch((err: Error) => ({ status: 0, body: { status: `no answer: ${err.message}` }, ms: 0 })));
      await sleep(250);
    }
    await server.start();
    const outageMs = Date.now() - stoppedAt;

    // Leases are 30 s: an attempt whose end could not be recorded is taken up again once its lease lapses.
    const ended = await waitFor(
      'the job to end',
      async () => {
        const r = await api.get(`/api/v1/jobs/${job}`).catch(() => undefined);
        if (r?.status !== 200) return undefined;
        const detail = (await r.json()) as { state: string; errorCode: string | null };
        return ['completed', 'failed', 'partial', 'cancelled'].includes(detail.state) ? detail : undefined;
      },
      300_000,
    );
    const events = await sql<{ type: string; payload: string }>('SELECT type, payload FROM audit_events WHERE job_id = $1 ORDER BY seq', [job]);
    const story = events.map((e) => {
      const p = JSON.parse(e.payload) as { kind?: string; rendition?: string | null; attempt?: number; errorCode?: string; cause?: string };
      return [e.type, p.kind, p.rendition, p.attempt, p.errorCode ?? p.cause].filter((x) => x !== undefined && x !== null).join(':');
    });
    console.log(`outage ${outageMs} ms during task ${encoding.task_id}; trail of the job: ${story.join(' ')}`);
    assert.is(ended.state, 'completed', `job ${ended.state} (${ended.errorCode}); its trail: ${story.join(' ')}\n${output()}`);
    assert.is(story.filter((t) => t === 'job.completed').length, 1, story.join(' '));

    const healthy = await waitFor('/healthz to be ok again', async () => ((await healthz(s.url)).status === 200 ? true : undefined), 30_000);
    assert.ok(healthy);
    assert.equal((await healthz(s.url)).body.status, 'ok');

    // The job's end on this node: its intermediates deleted (after job.completed, still inside the
    // package attempt). A stop before that crashes the appliance today, outage or not (reported).
    await waitFor(
      'the job\u2019s intermediates to be deleted',
      async () => ((await sql("SELECT 1 FROM audit_events WHERE type = 'job.intermediates_deleted' AND job_id = $1", [job])).length ? true : undefined),
      60_000,
    );
    const code = await s.stop();
    assert.is(code, 0, output());
    const verify = runCli(['audit', 'verify'], { cwd, env });
    assert.is(verify.code, 0, verify.stdout + verify.stderr);
    assert.is((await sql<{ n: string }>("SELECT count(*) AS n FROM audit_events WHERE type = 'job.completed' AND job_id = $1", [job]))[0]!.n, '1');
    const failing = seen.find((h) => h.status === 503 && h.body.checks?.store?.ok === false);
    const answers = [...new Set(seen.map((h) => JSON.stringify([h.status, h.body.status ?? h.body.error?.code])))];
    assert.ok(
      failing,
      `/healthz answered 503 with the store check failing during the outage; it answered ${answers.join(', ')}, e.g. ${JSON.stringify(seen.at(-1))}`,
    );
    assert.is(failing.body.status, 'degraded');
    assert.match(failing.body.checks!.store!.detail ?? '', /cannot be reached/);
    assert.ok(
      seen.every((h) => h.status === 200 || h.status === 503),
      `/healthz always answered: ${JSON.stringify(seen.filter((h) => h.status !== 200 && h.status !== 503))}`,
    );
    rmSync(scratch, { recursive: true, force: true });
  } finally {
    s3.stop();
  }
});

test.run();
